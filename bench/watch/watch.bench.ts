// Watch-layer benchmark: `node bench/watch/watch.bench.ts` (the pinned Node 24).
// Loads 10,000 Services and 10,000 EndpointSlices of 10 endpoints into the embedded API
// server, syncs the watch layer through the real client library, then times 1,000
// single-slice changes from the moment the change is handed to the server to the moment
// the snapshot carrying it is emitted; and measures the heap the watch layer holds.
// Server and watch layer share this process (and its event loop), so the latency includes
// the server's own work: a conservative figure.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { createKubeClient } from '@kpx/agent/watch/kube-client.ts';
import type { Snapshot } from '@kpx/agent/watch/snapshot.ts';
import { startWatching } from '@kpx/agent/watch/watcher.ts';

const SERVICES = Number(process.env.KPX_BENCH_SERVICES ?? 10_000);
const ENDPOINTS_PER_SLICE = 10;
const CHANGES = Number(process.env.KPX_BENCH_CHANGES ?? 1_000);
const TARGET_P99_MS = 50;
const TARGET_HEAP_MB = 250;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsedMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function service(i: number): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: `ns-${i % 100}`, name: `svc-${i}`, labels: { app: `app-${i}` } },
    spec: {
      type: 'ClusterIP',
      clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: `app-${i}` },
    },
  };
}

function slice(i: number, generation: number): RawObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: `ns-${i % 100}`, name: `svc-${i}-abcde`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: ENDPOINTS_PER_SLICE }, (_, e) => ({
      addresses: [`10.${100 + (e % 100)}.${Math.floor(i / 250)}.${(i % 250) + 1}`],
      conditions: { ready: generation % 2 === 0 || e > 0, serving: true, terminating: false },
      nodeName: `node-${e}`,
      zone: `zone-${e % 3}`,
      targetRef: { kind: 'Pod', namespace: `ns-${i % 100}`, name: `pod-${i}-${e}` },
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const seed = [...Array.from({ length: SERVICES }, (_, i) => service(i)), ...Array.from({ length: SERVICES }, (_, i) => slice(i, 0))];
  const server = await startApiServer({ seed, historyLimit: 2 * CHANGES + 100 });
  seed.length = 0;
  const heapBeforeMb = heapUsedMb();

  let waiting: { key: string; resolve: (at: number) => void } | undefined;
  let first: ((snapshot: Snapshot) => void) | undefined;
  const firstSnapshot = new Promise<Snapshot>((resolve) => (first = resolve));
  const syncStarted = performance.now();
  const watching = startWatching({
    client: createKubeClient({ masterUrl: server.url }),
    nodeName: 'node-0',
    onSnapshot: (snapshot) => {
      first?.(snapshot);
      first = undefined;
      if (waiting !== undefined && snapshot.pendingSince.has(waiting.key)) waiting.resolve(performance.now());
    },
  });
  const initial = await firstSnapshot;
  const syncMs = performance.now() - syncStarted;
  const heapAfterMb = heapUsedMb();

  const latencies: number[] = [];
  // Each update flips the readiness of the slice's first endpoint, so it is a real change.
  const updates = new Array<number>(SERVICES).fill(0);
  for (let change = 0; change < CHANGES; change += 1) {
    const i = (change * 7919) % SERVICES;
    updates[i] = (updates[i] ?? 0) + 1;
    const key = `ns-${i % 100}/svc-${i}`;
    const emitted = new Promise<number>((resolve) => (waiting = { key, resolve }));
    const handedOver = performance.now();
    await server.update(slice(i, updates[i] ?? 0));
    latencies.push((await emitted) - handedOver);
    waiting = undefined;
  }
  await watching.stop();
  await server.stop();

  latencies.sort((a, b) => a - b);
  const median = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const heapMb = heapAfterMb - heapBeforeMb;
  const rows: [string, string, string][] = [
    ['objects synced', `${initial.services.length} svc + ${initial.endpointSlices.length} slices (${ENDPOINTS_PER_SLICE} endpoints each)`, ''],
    ['initial sync (paged list)', `${syncMs.toFixed(0)} ms`, ''],
    [`change → snapshot, median (n=${CHANGES})`, `${median.toFixed(2)} ms`, ''],
    [`change → snapshot, p99 (n=${CHANGES})`, `${p99.toFixed(2)} ms`, `< ${TARGET_P99_MS} ms ${p99 < TARGET_P99_MS ? 'ok' : 'MISSED'}`],
    ['change → snapshot, max', `${(latencies.at(-1) ?? Number.NaN).toFixed(2)} ms`, ''],
    ['process heap after sync (server + watch)', `${heapAfterMb.toFixed(1)} MB`, ''],
    ['watch-layer heap (after sync − before)', `${heapMb.toFixed(1)} MB`, `< ${TARGET_HEAP_MB} MB ${heapMb < TARGET_HEAP_MB ? 'ok' : 'MISSED'}`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  process.stdout.write(`watch layer benchmark (node ${process.version}, default coalesceMs)\n`);
  for (const [name, value, target] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${value.padStart(valueWidth)}  ${target}\n`);
  process.exitCode = p99 < TARGET_P99_MS && heapMb < TARGET_HEAP_MB ? 0 : 1;
}

await main();
