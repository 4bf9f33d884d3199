// Watch-layer fault benchmark: `node bench/watch/watch-faults.bench.ts` (the pinned Node 24),
// with the default timing (the real backoff schedule), the embedded API server in this process.
//   outage     the API server stops for KPX_BENCH_OUTAGE_MS (20 s); a Service and its
//              EndpointSlice are created meanwhile; after the restart, how long until each
//              reaches a snapshot, and how many requests the watch layer sent while it was down.
//   long line  a 40 MB line without a newline goes into every open watch while an HTTP server
//              in this process is probed every 100 ms: the longest gap between answers, the
//              RSS growth and how long until the line was rejected (a newline ends it, for
//              a decoder that holds a line this long whole).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startApiServer } from '@kpx/apiserver/server.ts';
import { createKubeClient, type KubeClient } from '@kpx/agent/watch/kube-client.ts';
import type { ListWatchEvent } from '@kpx/agent/watch/list-watch-types.ts';
import type { Snapshot } from '@kpx/agent/watch/snapshot.ts';
import { startWatching } from '@kpx/agent/watch/watcher.ts';
import { makeAddressedNode, makeClusterIPService, makeReadySlice } from '../../test/helpers/k8s-builders.ts';

const OUTAGE_MS = Number(process.env.KPX_BENCH_OUTAGE_MS ?? 20_000);
const LINE_MB = Number(process.env.KPX_BENCH_LINE_MB ?? 40);
const NODE = 'node-a';

interface Rig {
  readonly server: Awaited<ReturnType<typeof startApiServer>>;
  readonly requests: { count: number };
  readonly events: ListWatchEvent[];
  readonly snapshots: Snapshot[];
  stop(): Promise<void>;
}

async function startRig(): Promise<Rig> {
  const server = await startApiServer({ seed: [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web'), makeAddressedNode(NODE)] });
  const client = createKubeClient({ masterUrl: server.url });
  const requests = { count: 0 };
  const counting: KubeClient = {
    server: client.server,
    get: (path, signal) => {
      requests.count += 1;
      return client.get(path, signal);
    },
  };
  const events: ListWatchEvent[] = [];
  const snapshots: Snapshot[] = [];
  const watching = startWatching({ client: counting, nodeName: NODE, onEvent: (e) => events.push(e), onSnapshot: (s) => void snapshots.push(s) });
  await until(
    () => snapshots.length > 0 && ['services', 'endpointslices', 'node'].every((r) => events.some((e) => e.resource === r && e.type === 'watch-opened')),
  );
  return { server, requests, events, snapshots, stop: async () => (await watching.stop(), await server.stop()) };
}

async function until(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function measureOutage(): Promise<[string, string][]> {
  const rig = await startRig();
  await rig.server.stop();
  const requestsBefore = rig.requests.count;
  await rig.server.create(makeClusterIPService('ns', 'new'));
  await rig.server.create(makeReadySlice('ns', 'new-1', 'new'));
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  const requestsDuring = rig.requests.count - requestsBefore;
  await rig.server.restart();
  const restartedAt = performance.now();
  const arrival = { service: 0, slice: 0 };
  const has = (list: readonly Record<string, unknown>[], name: string): boolean =>
    list.some((o) => (o['metadata'] as { name?: string } | undefined)?.name === name);
  await until(() => {
    const last = rig.snapshots.at(-1);
    if (last === undefined) return false;
    if (arrival.service === 0 && has(last.services, 'new')) arrival.service = performance.now() - restartedAt;
    if (arrival.slice === 0 && has(last.endpointSlices, 'new-1')) arrival.slice = performance.now() - restartedAt;
    return arrival.service > 0 && arrival.slice > 0;
  });
  await rig.stop();
  return [
    [`outage ${OUTAGE_MS / 1000} s: requests sent while down`, `${requestsDuring}`],
    ['  new Service in a snapshot after the restart', `${(arrival.service / 1000).toFixed(2)} s`],
    ['  its EndpointSlice in a snapshot after the restart', `${(arrival.slice / 1000).toFixed(2)} s`],
  ];
}

/** One GET on a fresh connection (a kept-alive one may be closed under a stalled loop); resolves when answered. */
function probeOnce(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (response) => response.resume().on('end', resolve)).on('error', reject);
  });
}

async function measureLongLine(): Promise<[string, string][]> {
  const rig = await startRig();
  const probe = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/healthz`;
  let maxGapMs = 0;
  let last = performance.now();
  let probing = true;
  const prober = (async () => {
    while (probing) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await probeOnce(url);
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const decodeErrors = (): number => rig.events.filter((e) => e.type === 'decode-error').length;
  const injectedAt = performance.now();
  // Written a MiB at a time, as a network would deliver it, so that the server sharing this
  // process does not block the loop itself with one 40 MB write.
  rig.server.faults.injectRaw('{"type":"ADDED","object":{"kind":"Service","junk":"');
  const mib = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < LINE_MB; i += 1) {
    rig.server.faults.injectRaw(mib);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  // Its end, for a decoder that would hold all of it.
  rig.server.faults.injectRaw('\n');
  await until(() => decodeErrors() >= 3);
  const rejectedMs = performance.now() - injectedAt;
  await new Promise((resolve) => setTimeout(resolve, 500));
  clearInterval(sampler);
  loopDelay.disable();
  probing = false;
  await prober;
  probe.close();
  await rig.stop();
  return [
    [`${LINE_MB} MB line: longest gap between probe answers (every 100 ms)`, `${maxGapMs.toFixed(0)} ms`],
    ['  longest event-loop delay meanwhile', `${(loopDelay.max / 1e6).toFixed(0)} ms`],
    ['  until all three watches rejected it', `${rejectedMs.toFixed(0)} ms`],
    ['  RSS before → peak', `${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssPeak / 2 ** 20).toFixed(0)} MB`],
  ];
}

const rows = [...(await measureLongLine()), ...(await measureOutage())];
const width = Math.max(...rows.map(([name]) => name.length));
process.stdout.write(`watch layer fault benchmark (node ${process.version}, default timing)\n`);
for (const [name, value] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${value}\n`);
