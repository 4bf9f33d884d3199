import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Problem } from '../model/types.ts';
import { createProxyMetrics } from './metrics.ts';
import { createProblemReporter, type ProblemSources } from './problem-reporter.ts';

function problem(severity: Problem['severity'], name: string, field: string): Problem {
  return { severity, kind: 'EndpointSlice', namespace: 'ns', name, field, value: 'fd00::5', reason: 'must be an IPv4 address' };
}

function slices(...versions: [string, string][]): ProblemSources {
  return {
    services: [],
    node: undefined,
    endpointSlices: versions.map(([name, resourceVersion]) => ({ metadata: { namespace: 'ns', name, resourceVersion } })),
  };
}

function setUp() {
  const lines: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const metrics = createProxyMetrics({ mode: 'iptables', processMetrics: false });
  const reporter = createProblemReporter(createLogger({ verbosity: 2, destination }), metrics);
  const skippedTotal = async (): Promise<number> => {
    const values = (await metrics.registry.getSingleMetric('kpx_invalid_objects_skipped_total')?.get())?.values ?? [];
    return values.reduce((sum, sample) => sum + sample.value, 0);
  };
  const messages = () => lines.map((line) => [line['msg'], line['field']]);
  return { reporter, skippedTotal, messages };
}

describe('problem reporter', () => {
  it.each<[Problem['severity'], string, number]>([
    ['error', 'invalid object skipped', 1],
    ['invalid-part', 'invalid part of an object skipped', 0],
    ['ignored', 'part of an object ignored', 0],
  ])('%s: logs %j once per resourceVersion, counts %i object(s) skipped whole', async (severity, message, counted) => {
    const { reporter, skippedTotal, messages } = setUp();
    const found = [problem(severity, 'web-1', 'endpoints[1].addresses[0]'), problem(severity, 'web-1', 'endpoints[2].addresses[0]')];
    reporter.report(found, slices(['web-1', '7']));
    reporter.report(found, slices(['web-1', '7']));
    expect(messages()).toEqual([
      [message, 'endpoints[1].addresses[0]'],
      [message, 'endpoints[2].addresses[0]'],
    ]);
    reporter.report(found.slice(0, 1), slices(['web-1', '8']));
    expect(messages()).toHaveLength(3);
    expect(await skippedTotal()).toBe(2 * counted);
  });
});
