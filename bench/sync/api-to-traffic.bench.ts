// API change → traffic moved, through the real daemon: `kpx run` programs the test topology's
// node namespace (--iptables-min-sync-period 100ms); a TCP prober in pod-a opens a connection
// to a ClusterIP service every few ms; the service's only endpoint is swapped between pod-b
// and pod-c through the API, and the delay is the time from the update call to the first
// answer from the new endpoint. Needs root. The target is a p50 under 150 ms.
//   node bench/sync/api-to-traffic.bench.ts [--changes 25] [--gap-ms 600] [--backend-wrapper]
import { parseArgs } from 'node:util';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { makeEndpointSlice, makeNode, makeService } from '../../test/helpers/k8s-builders.ts';
import { buildTopology, CLUSTER_CIDR, uniquePrefix, type TopologyPod } from '../../test/helpers/topology.ts';
import { freePort } from '../../test/daemon/free-port.ts';
import { spawnKpxRun, startProber, waitForSample } from '../../test/daemon/run-daemon-process.ts';

const { values } = parseArgs({ options: { changes: { type: 'string', default: '25' }, 'gap-ms': { type: 'string', default: '600' } } });
const changes = Number(values.changes);
const gapMs = Number(values['gap-ms']);
const SERVICE_IP = '10.96.0.10';
const ECHO_PORT = 8080;

function slice(pods: readonly TopologyPod[]): RawObject {
  return makeEndpointSlice('bench', 'web-abc', 'web', (s) => {
    s.endpoints = pods.map((pod) => ({ addresses: [pod.ip], nodeName: pod.isLocal ? 'node' : 'rnode', conditions: { ready: true } }));
    s.ports = [{ name: 'http', port: ECHO_PORT, protocol: 'TCP' }];
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const topology = await buildTopology(uniquePrefix('kpxb'));
const api = await startApiServer();
let daemon: ReturnType<typeof spawnKpxRun> | undefined;
let prober: ReturnType<typeof startProber> | undefined;
try {
  const [podA, podB, podC] = topology.pods;
  if (podA === undefined || podB === undefined || podC === undefined) throw new Error('topology without three pods');
  await topology.startEchoServers([ECHO_PORT]);
  await api.create(makeNode('node', (node) => (node.status.addresses = [{ type: 'InternalIP', address: topology.node.ip }])));
  await api.create(
    makeService('bench', 'web', (svc) => {
      svc.spec.clusterIP = SERVICE_IP;
      svc.spec.clusterIPs = [SERVICE_IP];
      svc.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: ECHO_PORT }];
    }),
  );
  await api.create(slice([podB]));
  daemon = spawnKpxRun([
    '--master',
    api.url,
    '--hostname-override',
    'node',
    '--netns',
    topology.node.netns,
    '--cluster-cidr',
    CLUSTER_CIDR,
    '--healthz-bind-address',
    `127.0.0.1:${await freePort()}`,
    '--metrics-bind-address',
    `127.0.0.1:${await freePort()}`,
    '--iptables-min-sync-period',
    '100ms',
    '--iptables-sync-period',
    '30s',
  ]);
  await daemon.waitForLog((line) => line.msg === 'sync done');
  prober = startProber(podA.netns, ['--proto', 'tcp', '--host', SERVICE_IP, '--port', '80', '--interval-ms', '2']);
  await waitForSample(prober, 0, (sample) => sample.pod === podB.name);

  const delays: number[] = [];
  const firstSyncLog = daemon.logs.length;
  for (let index = 0; index < changes; index++) {
    const target = index % 2 === 0 ? podC : podB;
    const changedAt = Date.now();
    await api.update(slice([target]));
    const first = await waitForSample(prober, changedAt, (sample) => sample.pod === target.name, 10_000);
    delays.push(first.t - changedAt);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const syncs = daemon.logs.slice(firstSyncLog).filter((line) => line.msg === 'sync done' && line['applied'] === true);
  const sorted = [...delays].sort((a, b) => a - b);
  const syncMs = syncs.map((line) => Number(line['durationMs'])).sort((a, b) => a - b);
  const toolMs = syncs.map((line) => Number(line['toolMs'])).sort((a, b) => a - b);
  const backend = daemon.logs.find((line) => line.msg === 'iptables backend chosen')?.['backend'];
  process.stdout.write(
    `${JSON.stringify(
      {
        changes,
        backend,
        apiToTrafficMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), max: sorted[sorted.length - 1], all: delays },
        syncs: syncs.length,
        partialSyncs: syncs.filter((line) => line['full'] === false).length,
        syncDurationMs: { p50: percentile(syncMs, 50), p90: percentile(syncMs, 90) },
        restoreToolMs: { p50: percentile(toolMs, 50), p90: percentile(toolMs, 90) },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await prober?.stop();
  daemon?.kill('SIGKILL');
  await daemon?.exited;
  await api.stop();
  await topology.teardown();
}
