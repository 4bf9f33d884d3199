// Soak under endpoint churn: the real `kpx run` daemon programs a throwaway network namespace
// (--netns) from the embedded API server holding N Services (one EndpointSlice each), while
// one EndpointSlice is updated every --interval-ms for --minutes, each update giving the
// slice's endpoints fresh IPs (pods replaced). Every --sample-s it prints the daemon's RSS,
// V8 heap used, open fds and the sync p50 since the previous sample (from its /metrics);
// 10 s after the churn, the drift of each against the sample taken before it (and a last
// sample 30 s after). Needs root.
// Mode: iptables on the legacy backend (a kubelet hint chain in the namespace picks it), or
// nftables with --mode nftables.
//   node bench/soak/endpoint-churn.bench.ts [--minutes 10] [--services 10000] [--endpoints 2]
//     [--interval-ms 100] [--sample-s 30] [--min-sync-period 1s] [--mode iptables|nftables]
//     [--heap-snapshots DIR]   (a heap snapshot of the daemon before and after the churn)
import { mkdir, readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { makeEndpointSlice } from '../../test/helpers/k8s-builders.ts';
import { freePort } from '../../test/daemon/free-port.ts';
import { spawnKpxRun } from '../../test/daemon/run-daemon-process.ts';
import { BENCH_HOSTNAME, syntheticCluster } from '../render/synthetic-cluster.ts';
import { createDaemonSampler, type DaemonSample } from './daemon-sampler.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '2' },
    'interval-ms': { type: 'string', default: '100' },
    'sample-s': { type: 'string', default: '30' },
    'min-sync-period': { type: 'string', default: '1s' },
    mode: { type: 'string', default: 'iptables' },
    'heap-snapshots': { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const services = Number(values.services);
const endpoints = Number(values.endpoints);
const intervalMs = Number(values['interval-ms']);
const sampleMs = Number(values['sample-s']) * 1000;
const mode = values.mode === 'nftables' ? 'nftables' : 'iptables';
const snapshotDir = values['heap-snapshots'] === undefined ? undefined : resolve(values['heap-snapshots']);

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The slice of service `index` (as syntheticCluster names it), its endpoints at fresh IPs from `generation`. */
function churnedSlice(index: number, generation: number): RawObject {
  const namespace = `ns-${index % 100}`;
  return makeEndpointSlice(namespace, `svc-${index}-abcde`, `svc-${index}`, (slice) => {
    slice.ports = [{ name: 'http', protocol: 'TCP', port: 8080 }];
    slice.endpoints = Array.from({ length: endpoints }, (_, j) => {
      const ip = (generation * endpoints + j) % 0xfffffe;
      return {
        addresses: [`101.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`],
        conditions: { ready: true },
        nodeName: j === 0 ? BENCH_HOSTNAME : `node-${j}`,
      };
    });
  });
}

function seedObjects(): RawObject[] {
  const cluster = syntheticCluster(services, endpoints);
  const namespaces = Array.from({ length: 100 }, (_, index) => ({ metadata: { name: `ns-${index}` } }));
  return [
    { apiVersion: 'v1', kind: 'NamespaceList', items: namespaces },
    { apiVersion: 'v1', kind: 'ServiceList', items: cluster.services },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSliceList', items: cluster.endpointSlices },
    ...(cluster.node === undefined ? [] : [cluster.node]),
  ];
}

function printSample(label: string, sample: DaemonSample): void {
  console.log(
    `${label.padEnd(8)} t=${String(sample.t).padStart(5)}s  rss ${sample.rssMb.toFixed(1).padStart(7)} MB  heap ${sample.heapUsedMb.toFixed(1).padStart(7)}/${sample.heapTotalMb.toFixed(0).padStart(4)} MB  ext ${sample.externalMb.toFixed(1).padStart(6)} MB  fds ${String(sample.fds).padStart(4)}  syncs ${String(sample.syncs).padStart(4)}  sync p50 ${sample.syncP50Ms.toFixed(1).padStart(8)} ms  load ${sample.load.toFixed(1)}`,
  );
}

async function heapSnapshot(pid: number, label: string): Promise<void> {
  if (snapshotDir === undefined) return;
  const before = new Set(await readdir(snapshotDir));
  process.kill(pid, 'SIGUSR2');
  let lastSize = -1;
  for (let waited = 0; waited < 300_000; waited += 1000) {
    await sleep(1000);
    const fresh = (await readdir(snapshotDir)).find((file) => !before.has(file) && file.endsWith('.heapsnapshot'));
    if (fresh === undefined) continue;
    // The daemon writes it while paused: done once its size stops changing.
    const { size } = await stat(resolve(snapshotDir, fresh));
    if (size > 0 && size === lastSize) {
      console.log(`heap snapshot ${label}: ${resolve(snapshotDir, fresh)}`);
      return;
    }
    lastSize = size;
  }
}

const netns = `kpxsoak-${process.pid}`;
await addNetns(realExec, netns);
const api = await startApiServer({ seed: seedObjects() });
let daemon: ReturnType<typeof spawnKpxRun> | undefined;
try {
  if (mode === 'iptables') {
    // kubelet's hint chain: the daemon's backend detection picks legacy.
    await execOk(execInNetns(realExec, netns), { file: 'iptables-legacy', args: ['-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT'] });
  }
  if (snapshotDir !== undefined) await mkdir(snapshotDir, { recursive: true });
  const metricsPort = await freePort();
  daemon = spawnKpxRun(
    [
      '--master',
      api.url,
      '--hostname-override',
      BENCH_HOSTNAME,
      '--netns',
      netns,
      '--proxy-mode',
      mode,
      '--cluster-cidr',
      '100.0.0.0/8',
      '--healthz-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--metrics-bind-address',
      `127.0.0.1:${metricsPort}`,
      '--iptables-min-sync-period',
      values['min-sync-period'],
      '--iptables-sync-period',
      '30s',
    ],
    snapshotDir === undefined ? {} : { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}` },
  );
  const pid = daemon.child.pid!;
  await daemon.waitForLog((line) => line.msg === 'sync done' && line['applied'] === true, { timeoutMs: 300_000 });
  const backend = daemon.logs.find((line) => line.msg === 'iptables backend chosen')?.['backend'];
  console.log(
    `${services} services × ${endpoints} endpoints, mode ${mode}${backend === undefined ? '' : ` (${String(backend)})`}, a slice update every ${intervalMs} ms for ${minutes} min`,
  );
  daemon.logs.length = 0; // the bench keeps no history of the daemon's log lines
  const sample = createDaemonSampler(pid, `http://127.0.0.1:${metricsPort}/metrics`);
  await sleep(20_000); // settle: a periodic full sync or two
  await sample();
  await sleep(10_000);
  const before = await sample();
  printSample('before', before);
  await heapSnapshot(pid, 'before');

  const curve: DaemonSample[] = [];
  const churnEnds = performance.now() + minutes * 60_000;
  let nextSample = performance.now() + sampleMs;
  for (let generation = 1_000_000; performance.now() < churnEnds; generation++) {
    const tick = performance.now();
    await api.update(churnedSlice(generation % services, generation));
    if (daemon.logs.length > 1000) daemon.logs.length = 0;
    if (performance.now() >= nextSample) {
      nextSample += sampleMs;
      const point = await sample();
      curve.push(point);
      printSample('churn', point);
    }
    await sleep(Math.max(0, intervalMs - (performance.now() - tick)));
  }
  await sleep(10_000);
  const after = await sample();
  printSample('after', after);
  await sleep(20_000);
  const settled = await sample();
  printSample('settled', settled); // 30 s after the churn: V8's memory reducer has had its turn
  await heapSnapshot(pid, 'after');
  const drift = (end: number, start: number): number => Math.round(((end - start) / start) * 1000) / 10;
  console.log(
    JSON.stringify({
      mode,
      backend,
      services,
      endpoints,
      minutes,
      intervalMs,
      before,
      after,
      settled,
      curve,
      driftPercent: { rss: drift(after.rssMb, before.rssMb), heapUsed: drift(after.heapUsedMb, before.heapUsedMb), fds: drift(after.fds, before.fds) },
    }),
  );
} finally {
  daemon?.kill('SIGKILL');
  await daemon?.exited;
  await api.stop();
  await deleteNetns(realExec, netns);
}
