// The service scenarios over IPv6, through one real `kpx run` serving both families on the
// namespace topology with IPv6 (test/helpers/dual-stack-topology.ts): iptables on each backend
// (legacy chosen as kube-proxy's image chooses it, by the kubelet's hint chain) and nftables.
// ClusterIP TCP and UDP spread from a pod and from the node; a LoadBalancer IP with source
// ranges (the allowed source answered, the other dropped); externalTrafficPolicy Local keeping
// the client's IPv6 source; hairpin; ClientIP affinity; a UDP client on a fixed source port
// following a replaced endpoint (its IPv6 conntrack entry deleted); an endpoint removed.
// The echo servers answer `NAME PEER_IP`. Needs root, iproute2, iptables (legacy, nft), nft, conntrack.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { ip } from '@kpx/lab/netns-wiring.ts';
import type { Attempt } from '../helpers/probe-client.ts';
import { buildTopology, countByPod, uniquePrefix, type Topology, type TopologyPod } from '../helpers/topology.ts';
import { addIPv6, type DualStackAddresses } from '../helpers/dual-stack-topology.ts';
import { dualStackNode, dualStackRunArgs, familySlice, synced, v6Service, waitForBothFamilies } from '../helpers/dual-stack-objects.ts';
import { ECHO_PORT } from '../helpers/topology-objects.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, startProber, waitForSample, type DaemonProcess } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const WEB = 'fd00:10:96::10';
const DNS = 'fd00:10:96::53';
const STICKY = 'fd00:10:96::50';
const HAIRPIN = 'fd00:10:96::40';
const STALE_UDP = 'fd00:10:96::60';
/** LoadBalancer ingress IPs (documentation prefix), routed to the node only from the client and the remote node. */
const LB_PREFIX = '2001:db8:113::/64';
const LB_RANGED = '2001:db8:113::20';
const LB_OPEN = '2001:db8:113::21';
const LOCAL_NODE_PORT = 30091;
const DROP_WAIT_MS = 500;

const MODES = [
  { label: 'iptables (legacy backend)', mode: 'iptables', backend: 'legacy' },
  { label: 'iptables (nft backend)', mode: 'iptables', backend: 'nft' },
  { label: 'nftables', mode: 'nftables', backend: undefined },
] as const;

function peersOf(attempts: readonly Attempt[]): string[] {
  return [...new Set(attempts.map((attempt) => attempt.reply?.split(' ')[1] ?? `error:${attempt.error ?? '?'}`))].sort();
}

function expectSpreadOverEveryPod(attempts: readonly Attempt[], minimumEach: number): void {
  const counts = countByPod(attempts);
  expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
  for (const count of Object.values(counts)) expect(count).toBeGreaterThan(minimumEach);
}

async function createObjects(api: Awaited<ReturnType<typeof startApiServer>>, topology: Topology, v6: DualStackAddresses): Promise<void> {
  const pods = topology.pods;
  const [podA, podB] = pods;
  const slice = (service: string, protocol: 'TCP' | 'UDP', backends: readonly TopologyPod[]) => familySlice(service, 'IPv6', protocol, backends, v6);
  await api.create(dualStackNode(topology, v6));
  await api.create(v6Service('web6', WEB, 'TCP', 80));
  await api.create(slice('web6', 'TCP', pods));
  await api.create(v6Service('dns6', DNS, 'UDP', 53));
  await api.create(slice('dns6', 'UDP', pods));
  const loadBalancer = (name: string, clusterIP: string, ingress: string, nodePort: number, ranges: string[]) =>
    v6Service(name, clusterIP, 'TCP', 80, (svc) => {
      svc.spec.type = 'LoadBalancer';
      svc.spec.ports![0]!.nodePort = nodePort;
      if (ranges.length > 0) svc.spec.loadBalancerSourceRanges = ranges;
      svc.status.loadBalancer = { ingress: [{ ip: ingress }] };
    });
  // Lets the remote node in, not the client.
  await api.create(loadBalancer('lb6-ranged', 'fd00:10:96::20', LB_RANGED, 30092, [`${v6.remoteNode}/128`]));
  await api.create(slice('lb6-ranged', 'TCP', pods));
  await api.create(loadBalancer('lb6-open', 'fd00:10:96::21', LB_OPEN, 30093, []));
  await api.create(slice('lb6-open', 'TCP', pods));
  await api.create(
    v6Service('local6', 'fd00:10:96::30', 'TCP', 80, (svc) => {
      svc.spec.type = 'NodePort';
      svc.spec.ports![0]!.nodePort = LOCAL_NODE_PORT;
      svc.spec.externalTrafficPolicy = 'Local';
    }),
  );
  await api.create(slice('local6', 'TCP', pods));
  await api.create(v6Service('hairpin6', HAIRPIN, 'TCP', 80));
  await api.create(slice('hairpin6', 'TCP', [podA!]));
  await api.create(
    v6Service('sticky6', STICKY, 'TCP', 80, (svc) => {
      svc.spec.sessionAffinity = 'ClientIP';
      svc.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }),
  );
  await api.create(slice('sticky6', 'TCP', pods));
  await api.create(v6Service('stale6', STALE_UDP, 'UDP', 53));
  await api.create(slice('stale6', 'UDP', [podB!]));
}

for (const { label, mode, backend } of MODES) {
  describeAsRoot(`IPv6 scenarios through kpx run, ${label}`, () => {
    let topology: Topology;
    let v6: DualStackAddresses;
    let api: Awaited<ReturnType<typeof startApiServer>>;
    let daemon: DaemonProcess;

    const nodeSave = async (tool: string): Promise<string> => (await execOk(topology.execIn(topology.node.netns), { file: tool, args: [] })).stdout;

    beforeAll(async () => {
      topology = await buildTopology(uniquePrefix('kpx6s'));
      v6 = await addIPv6(realExec, topology);
      for (const netns of [topology.client.netns, topology.remoteNode.netns]) await ip(realExec, '-n', netns, '-6', 'route', 'add', LB_PREFIX, 'via', v6.node);
      // The kubelet's hint chain, in the backend it uses: how kpx (as kube-proxy's image) picks legacy.
      if (backend === 'legacy')
        for (const tool of ['iptables-legacy', 'ip6tables-legacy'])
          await execOk(topology.execIn(topology.node.netns), { file: tool, args: ['-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT'] });
      await topology.startEchoServers([ECHO_PORT], { ipv6: true });
      api = await startApiServer();
      await createObjects(api, topology, v6);
      const servers = { healthz: `127.0.0.1:${await freePort()}`, metrics: `127.0.0.1:${await freePort()}` };
      daemon = spawnKpxRun([...dualStackRunArgs(api.url, mode, topology, servers), '--iptables-min-sync-period', '100ms', '--iptables-sync-period', '30s']);
      await waitForBothFamilies(daemon);
    });

    afterAll(async () => {
      daemon?.kill('SIGKILL');
      await daemon?.exited;
      await api?.stop();
      await topology?.teardown();
    });

    if (backend !== undefined) {
      it(`programs IPv6 with ip6tables-${backend}`, async () => {
        expect(await nodeSave(`ip6tables-${backend}-save`)).toContain(`-A KUBE-SERVICES -d ${WEB}/128 `);
        const other = backend === 'nft' ? 'legacy' : 'nft';
        expect(await nodeSave(`ip6tables-${other}-save`)).not.toContain('KUBE-SERVICES');
      });
    }

    it('spreads IPv6 ClusterIP TCP and UDP over every endpoint, from a pod and from the node', async () => {
      for (const from of [topology.pods[1]!.netns, topology.node.netns]) {
        expectSpreadOverEveryPod(await topology.probe(from, { proto: 'tcp', host: WEB, port: 80, count: 90 }), 10);
        expectSpreadOverEveryPod(await topology.probe(from, { proto: 'udp', host: DNS, port: 53, count: 90 }), 10);
      }
    });

    it('lets a source inside loadBalancerSourceRanges reach an IPv6 LoadBalancer IP and drops the client outside it', async () => {
      const allowed = await topology.probe(topology.remoteNode.netns, { proto: 'tcp', host: LB_RANGED, port: 80, count: 60 });
      expect(Object.keys(countByPod(allowed)).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
      const dropped = await topology.probe(topology.client.netns, { proto: 'tcp', host: LB_RANGED, port: 80, count: 5, timeoutMs: DROP_WAIT_MS });
      expect(dropped.map((attempt) => attempt.error)).toEqual(Array(5).fill('timeout'));
      // The same client reaches a LoadBalancer IP without source ranges.
      expectSpreadOverEveryPod(await topology.probe(topology.client.netns, { proto: 'tcp', host: LB_OPEN, port: 80, count: 60 }), 5);
    });

    it('serves an IPv6 Local NodePort from the node’s own endpoints, with the client’s IPv6 source', async () => {
      const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host: v6.node, port: LOCAL_NODE_PORT, count: 60 });
      const counts = countByPod(attempts);
      expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b']);
      for (const count of Object.values(counts)) expect(count).toBeGreaterThan(10);
      expect(peersOf(attempts)).toEqual([v6.client]);
    });

    it('masquerades a pod reaching itself through its IPv6 ClusterIP (hairpin) to the bridge address', async () => {
      const attempts = await topology.probe(topology.pods[0]!.netns, { proto: 'tcp', host: HAIRPIN, port: 80, count: 10 });
      expect(countByPod(attempts)).toEqual({ 'pod-a': 10 });
      expect(peersOf(attempts)).toEqual(['fd00:10:244:1::1']);
      const fromPodB = await topology.probe(topology.pods[1]!.netns, { proto: 'tcp', host: HAIRPIN, port: 80, count: 5 });
      expect(peersOf(fromPodB)).toEqual([v6.pods.get('pod-b')]);
    });

    it('keeps 30 IPv6 connections of one client on one endpoint with ClientIP affinity', async () => {
      for (const from of [topology.pods[1]!.netns, topology.node.netns]) {
        const counts = countByPod(await topology.probe(from, { proto: 'tcp', host: STICKY, port: 80, count: 30, concurrency: 1 }));
        expect(Object.values(counts)).toEqual([30]);
        expect(Object.keys(counts)[0]).toMatch(/^pod-[abc]$/);
      }
    });

    it('sends an IPv6 UDP client that keeps its source port to the replacement endpoint (IPv6 conntrack entry deleted)', async () => {
      const prober = startProber(topology.pods[0]!.netns, [
        '--proto',
        'udp',
        '--host',
        STALE_UDP,
        '--port',
        '53',
        '--source-port',
        '40053',
        '--interval-ms',
        '20',
      ]);
      try {
        await waitForSample(prober, 0, (sample) => sample.pod === 'pod-b', 5_000);
        const from = daemon.logs.length;
        const replacedAt = Date.now();
        await api.update(familySlice('stale6', 'IPv6', 'UDP', [topology.pods[2]!], v6));
        const sync = await daemon.waitForLog((line) => synced('IPv6')(line) && line['changed'] === 1, { from });
        expect(sync['conntrackDeleted']).toBeGreaterThanOrEqual(1);
        const first = await waitForSample(prober, replacedAt, (sample) => sample.pod === 'pod-c', 3_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const later = prober.samples.filter((sample) => sample.t > first.t + 50 && sample.pod !== undefined);
        expect(later.length).toBeGreaterThan(3);
        expect(later.every((sample) => sample.pod === 'pod-c')).toBe(true);
        const entries = await execOk(topology.execIn(topology.node.netns), {
          file: 'conntrack',
          args: ['-L', '-f', 'ipv6', '-p', 'udp', '--orig-dst', STALE_UDP],
        });
        expect(entries.stdout).toContain(`src=${v6.pods.get('pod-c')}`);
        expect(entries.stdout).not.toContain(`src=${v6.pods.get('pod-b')}`);
      } finally {
        await prober.stop();
      }
    });

    it('stops sending new IPv6 connections to an endpoint removed through the API', async () => {
      const from = daemon.logs.length;
      await api.update(familySlice('web6', 'IPv6', 'TCP', topology.pods.slice(0, 2), v6));
      await daemon.waitForLog((line) => synced('IPv6')(line) && line['changed'] === 1, { from });
      const counts = countByPod(await topology.probe(topology.pods[1]!.netns, { proto: 'tcp', host: WEB, port: 80, count: 60 }));
      expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b']);
    });
  });
}
