// Load benchmark: `kpx render -f DUMP` input loading for a synthetic cluster dumped as
// `kubectl get svc,endpointslices,nodes -A -o yaml` (a List) and as `-o json`.
//
//   node bench/render/load.bench.ts [--services 10000] [--endpoints 10] [--runs 3]
//
// The dumps are written to a temporary directory; each load runs in a fresh child process
// (cold, as `kpx render`), and the figures are medians over --runs children.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { loadObjects } from '@kpx/agent/config/load-objects.ts';
import { cpuMsSince, median, syntheticCluster } from './synthetic-cluster.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    child: { type: 'string' },
  },
});

interface LoadResult {
  readonly ms: number;
  readonly cpuMs: number;
  readonly objects: number;
  readonly errors: number;
  readonly peakRssMb: number;
}

/** The List kubectl prints, with the metadata fields a real dump carries. */
function kubectlList(): Record<string, unknown> {
  const cluster = syntheticCluster(Number(values.services), Number(values.endpoints));
  const items = [...cluster.services, ...cluster.endpointSlices, ...(cluster.node === undefined ? [] : [cluster.node])].map((item, index) => ({
    ...item,
    metadata: {
      ...(item['metadata'] as Record<string, unknown>),
      creationTimestamp: '2026-11-28T10:00:00Z',
      resourceVersion: String(1000 + index),
      uid: `0b8f6a2e-0000-4000-8000-${String(index).padStart(12, '0')}`,
    },
  }));
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

async function runChild(path: string): Promise<LoadResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const loaded = await loadObjects([path]);
  const ms = performance.now() - started;
  return { ms, cpuMs: cpuMsSince(cpu), objects: loaded.objects.length, errors: loaded.errors.length, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await runChild(values.child)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kpx-load-bench-'));
  try {
    const list = kubectlList();
    const files = { yaml: join(dir, 'cluster.yaml'), json: join(dir, 'cluster.json') };
    writeFileSync(files.yaml, dump(list, { lineWidth: -1 }));
    writeFileSync(files.json, JSON.stringify(list, null, 4));
    console.log(
      `kpx load benchmark: ${values.services} services × ${values.endpoints} endpoints, median of ${values.runs} fresh processes, node ${process.version}`,
    );
    console.log('format | file MB | objects | load ms (CPU ms) | peak RSS MB');
    for (const [format, path] of Object.entries(files)) {
      const results = Array.from({ length: Number(values.runs) }, () => {
        const output = execFileSync(process.execPath, [import.meta.filename, '--child', path], { encoding: 'utf8' });
        return JSON.parse(output) as LoadResult;
      });
      const first = results[0]!;
      if (first.errors > 0) throw new Error(`${format} dump loaded with ${first.errors} errors`);
      const of = (key: keyof LoadResult): string => median(results.map((result) => result[key])).toFixed(0);
      console.log([format, (statSync(path).size / 1e6).toFixed(1), first.objects, `${of('ms')} (${of('cpuMs')})`, of('peakRssMb')].join(' | '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
