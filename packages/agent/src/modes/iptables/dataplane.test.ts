// The iptables dataplane keeps its own metrics: rule totals across full and partial syncs, and
// restore failures (only those of iptables-restore, as upstream counts them).
import { diffStates } from '../../diff/diff-states.ts';
import { describe, expect, it } from 'vitest';
import { dataplaneSettings } from '../../../../../test/helpers/dataplane-settings.ts';
import { recordingExec, type Responder } from '../../../../../test/helpers/recording-exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import { isKpxError } from '../../errors.ts';
import { silentLogger } from '../../log.ts';
import type { DataplaneMetrics } from '../mode.ts';
import { iptablesMode } from './index.ts';

function recordingMetrics() {
  const events: unknown[] = [];
  const metrics: DataplaneMetrics = {
    countRestoreFailure: (restore) => void events.push(['restoreFailure', restore]),
    setIptablesRules: (table, rules) => void events.push(['rules', table, rules]),
    countNftablesFailure: (step) => void events.push(['nftablesFailure', step]),
  };
  return { metrics, events };
}

function web(endpoints: string[]) {
  return makeState([
    makeServicePort('ns', 'web', 'http', (sp) => {
      sp.clusterIP = '10.96.0.10';
      for (const ip of endpoints) sp.endpoints.push(makeEndpoint(ip, 8080));
    }),
    makeServicePort('ns', 'db', 'sql', (sp) => {
      sp.clusterIP = '10.96.0.20';
      sp.endpoints.push(makeEndpoint('10.244.2.2', 5432));
    }),
  ]);
}

function open(respond?: Responder) {
  const { metrics, events } = recordingMetrics();
  const dataplane = iptablesMode.open(
    { exec: recordingExec(respond).exec, clock: { now: () => 0 }, log: silentLogger(), metrics },
    dataplaneSettings({ backend: 'nft' }),
  );
  return { dataplane, events };
}

describe('iptables dataplane metrics', () => {
  it('sets the rule gauges per table: totals from full syncs, the last sync from every sync', async () => {
    const { dataplane, events } = open();
    const before = web(['10.244.1.2']);
    const full = iptablesMode.plan(before, {});
    await dataplane.apply(full);
    expect(events).toEqual([
      ['rules', 'nat', { total: full.figures['natRules'], lastSync: full.figures['natRules'] }],
      ['rules', 'filter', { total: full.figures['filterRules'], lastSync: full.figures['filterRules'] }],
    ]);
    events.length = 0;
    const after = web(['10.244.1.2', '10.244.1.3']);
    const partial = iptablesMode.plan(after, {}, diffStates(before, after));
    expect(partial.full).toBe(false);
    await dataplane.apply(partial);
    expect(events).toEqual([
      ['rules', 'nat', { total: full.figures['natRules'], lastSync: partial.figures['natRules'] }],
      ['rules', 'filter', { total: full.figures['filterRules'], lastSync: partial.figures['filterRules'] }],
    ]);
    expect(partial.figures['natRules']).not.toBe(full.figures['natRules']);
  });

  it.each([
    ['full', false],
    ['partial', true],
  ])('counts a failed iptables-restore of a %s sync', async (_name, partial) => {
    let failRestore = false;
    const { dataplane, events } = open((request) =>
      failRestore && request.file.endsWith('-restore') ? { exitCode: 2, stderr: 'iptables-restore: line 3 failed\n' } : undefined,
    );
    const before = web(['10.244.1.2']);
    await dataplane.apply(iptablesMode.plan(before, {}));
    events.length = 0;
    failRestore = true;
    const after = web(['10.244.1.3']);
    const plan = iptablesMode.plan(after, {}, partial ? diffStates(before, after) : undefined);
    expect(isKpxError(await dataplane.apply(plan).catch((error: unknown) => error), 'KPX_ERR_RESTORE')).toBe(true);
    expect(events).toEqual([['restoreFailure', { partial }]]);
  });

  it('does not count a failure of another tool as a restore failure', async () => {
    const { dataplane, events } = open((request) => (request.file.endsWith('-save') ? { exitCode: 1, stderr: 'table busy\n' } : undefined));
    expect(isKpxError(await dataplane.apply(iptablesMode.plan(web(['10.244.1.2']), {})).catch((error: unknown) => error), 'KPX_ERR_EXEC')).toBe(true);
    expect(events).toEqual([]);
  });
});
