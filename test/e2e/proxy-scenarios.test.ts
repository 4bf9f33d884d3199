// The proxy scenarios through the real `kpx run` daemon, in every mode with a netfilter dataplane on
// the host (iptables on both backends, nftables), against the embedded API server, asserted with
// real traffic in the topology's namespaces: ClusterIP TCP and UDP from a pod and from the node,
// NodePort from outside, a Service without endpoints refused, external IPs, LoadBalancer IPs with
// source ranges, externalTrafficPolicy and internalTrafficPolicy Local, ClientIP affinity and
// hairpin masquerade; and an established connection surviving `kpx run` being killed and started
// again. The echo servers answer `NAME PEER_IP`, so the endpoint and the source address it saw
// are checkable. Needs root, iproute2, iptables-legacy, iptables-nft and nft.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ip } from '@kpx/lab/netns-wiring.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import { spawnKpxRun, startJsonLinesInNetns, type DaemonProcess, type JsonLinesProcess } from '../daemon/run-daemon-process.ts';
import {
  chosenBackend,
  IPTABLES_LEGACY,
  IPTABLES_NFT,
  isAppliedSync,
  NFTABLES,
  nodeDaemonArgs,
  plantBackendHint,
  savedModeRules,
  type ProxyModeCase,
} from '../daemon/proxy-mode-cases.ts';
import { startEchoCluster, WEB_IP, type EchoCluster } from '../helpers/echo-cluster.ts';
import type { Attempt } from '../helpers/probe-client.ts';
import {
  EXTERNAL_IP,
  EXTERNAL_NET,
  FIREWALLED_LB_IP,
  LB_IP,
  LOCAL_NODE_PORT,
  REMOTE_ONLY_LOCAL_NODE_PORT,
  SCENARIO_IPS,
  scenarioObjects,
  WEB_NODE_PORT,
} from '../helpers/scenario-objects.ts';
import { CLUSTER_CIDR, countByPod, type Topology } from '../helpers/topology.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const CASES: readonly ProxyModeCase[] = [IPTABLES_LEGACY, IPTABLES_NFT, NFTABLES];
const DROP_WAIT_MS = 500;

function peersOf(attempts: readonly Attempt[]): string[] {
  return [...new Set(attempts.map((attempt) => attempt.reply?.split(' ')[1] ?? `error:${attempt.error ?? '?'}`))].sort();
}

function expectSpreadOver(attempts: readonly Attempt[], pods: readonly string[], minimumEach: number): void {
  const counts = countByPod(attempts);
  expect(Object.keys(counts).sort()).toEqual(pods);
  for (const count of Object.values(counts)) expect(count).toBeGreaterThan(minimumEach);
}

const EVERY_POD = ['pod-a', 'pod-b', 'pod-c'];

async function stopAll(daemons: DaemonProcess[], cluster: EchoCluster | undefined): Promise<void> {
  for (const daemon of daemons) {
    daemon.kill('SIGKILL');
    await daemon.exited;
  }
  await cluster?.api.stop();
  await cluster?.topology.teardown();
}

/** Starts `kpx run` for the case in the cluster's node namespace; resolves after its first applied sync. */
async function startNodeDaemon(cluster: EchoCluster, modeCase: ProxyModeCase): Promise<DaemonProcess> {
  const daemon = spawnKpxRun(await nodeDaemonArgs(cluster.api.url, cluster.topology.node.netns, modeCase, CLUSTER_CIDR));
  await daemon.waitForLog(isAppliedSync);
  return daemon;
}

describeAsRoot.each(CASES)('proxy scenarios through kpx run with real traffic ($label)', (modeCase) => {
  let cluster: EchoCluster;
  let topology: Topology;
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    cluster = await startEchoCluster('kpxs', scenarioObjects);
    topology = cluster.topology;
    // The client and the remote node reach the external and LoadBalancer IPs through the node.
    for (const netns of [topology.client.netns, topology.remoteNode.netns]) {
      await ip(realExec, '-n', netns, 'route', 'add', EXTERNAL_NET, 'via', topology.node.ip);
    }
    // As a node's default route would: without a route, a packet the rules mark for the firewall's
    // drop is refused by routing (net unreachable) before the filter chain that drops it.
    await ip(realExec, '-n', topology.node.netns, 'route', 'add', EXTERNAL_NET, 'via', topology.remoteNode.ip);
    // The kernel's per-peer ICMP rate limit (one error a second) would turn all but the first
    // rejection of a burst into a timeout; the limit is the kernel's, not what these tests are about.
    await execSysctl(topology.execIn(topology.node.netns)).write('net.ipv4.icmp_ratelimit', '0');
    await plantBackendHint(topology.execIn(topology.node.netns), modeCase);
    daemons.push(await startNodeDaemon(cluster, modeCase));
  });

  afterAll(() => stopAll(daemons, cluster));

  it('programs the node with the expected dataplane', () => {
    expect(chosenBackend(daemons[0]!.logs)).toBe(modeCase.mode === 'iptables' ? modeCase.backend : 'nftables');
  });

  it('spreads ClusterIP TCP and UDP from a pod and from the node over every endpoint', async () => {
    for (const from of [topology.pods[0]!.netns, topology.node.netns]) {
      expectSpreadOver(await topology.probe(from, { proto: 'tcp', host: SCENARIO_IPS.web, port: 80, count: 120 }), EVERY_POD, 15);
      expectSpreadOver(await topology.probe(from, { proto: 'udp', host: SCENARIO_IPS.dns, port: 53, count: 120 }), EVERY_POD, 15);
    }
  });

  it('serves a NodePort to a client outside the cluster from every endpoint', async () => {
    const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host: topology.node.ip, port: WEB_NODE_PORT, count: 120 });
    expectSpreadOver(attempts, EVERY_POD, 15);
  });

  it('refuses a Service without endpoints at once (TCP reset, UDP port unreachable), from a pod and from the node', async () => {
    const targets = [
      { proto: 'tcp', host: SCENARIO_IPS.empty, port: 80 },
      { proto: 'udp', host: SCENARIO_IPS.emptyUdp, port: 53 },
    ] as const;
    for (const from of [topology.pods[0]!.netns, topology.node.netns]) {
      for (const target of targets) {
        const attempts = await topology.probe(from, { ...target, count: 5, timeoutMs: 2_000 });
        expect(attempts.map((attempt) => attempt.error)).toEqual(Array(5).fill('ECONNREFUSED'));
        for (const attempt of attempts) expect(attempt.ms).toBeLessThan(1_000);
      }
    }
  });

  it('spreads TCP and UDP from the client through an external IP over every endpoint', async () => {
    const client = topology.client.netns;
    expectSpreadOver(await topology.probe(client, { proto: 'tcp', host: EXTERNAL_IP, port: 80, count: 120 }), EVERY_POD, 15);
    expectSpreadOver(await topology.probe(client, { proto: 'udp', host: EXTERNAL_IP, port: 80, count: 120 }), EVERY_POD, 15);
  });

  it('spreads TCP from the client through a LoadBalancer ingress IP over every endpoint', async () => {
    expectSpreadOver(await topology.probe(topology.client.netns, { proto: 'tcp', host: LB_IP, port: 80, count: 120 }), EVERY_POD, 15);
  });

  it('lets a source inside loadBalancerSourceRanges through and drops the client outside it', async () => {
    const allowed = await topology.probe(topology.remoteNode.netns, { proto: 'tcp', host: FIREWALLED_LB_IP, port: 80, count: 60 });
    expect(Object.keys(countByPod(allowed)).sort()).toEqual(EVERY_POD);
    const dropped = await topology.probe(topology.client.netns, { proto: 'tcp', host: FIREWALLED_LB_IP, port: 80, count: 5, timeoutMs: DROP_WAIT_MS });
    // Dropped, not rejected: the connection times out.
    expect(dropped.map((attempt) => attempt.error)).toEqual(Array(5).fill('timeout'));
    // The same client still reaches the service without a source range.
    expect((await topology.probe(topology.client.netns, { proto: 'tcp', host: LB_IP, port: 80 }))[0]?.reply).toBeDefined();
  });

  it('serves a Local NodePort from the node’s own endpoints only, with the client’s source IP', async () => {
    const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host: topology.node.ip, port: LOCAL_NODE_PORT, count: 60 });
    expectSpreadOver(attempts, ['pod-a', 'pod-b'], 10);
    expect(peersOf(attempts)).toEqual([topology.client.ip]);
  });

  it('drops a Local NodePort whose endpoints all live on another node', async () => {
    const attempts = await topology.probe(topology.client.netns, {
      proto: 'tcp',
      host: topology.node.ip,
      port: REMOTE_ONLY_LOCAL_NODE_PORT,
      count: 3,
      timeoutMs: DROP_WAIT_MS,
    });
    expect(attempts.map((attempt) => attempt.error)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('keeps internalTrafficPolicy Local ClusterIP traffic on the node’s own endpoints', async () => {
    for (const from of [topology.pods[0]!.netns, topology.node.netns]) {
      expectSpreadOver(await topology.probe(from, { proto: 'tcp', host: SCENARIO_IPS.internalLocal, port: 80, count: 60 }), ['pod-a', 'pod-b'], 10);
    }
  });

  it('keeps 30 connections of one client on one endpoint with ClientIP affinity', async () => {
    for (const from of [topology.pods[1]!.netns, topology.node.netns]) {
      const counts = countByPod(await topology.probe(from, { proto: 'tcp', host: SCENARIO_IPS.sticky, port: 80, count: 30, concurrency: 1 }));
      expect(Object.values(counts)).toEqual([30]);
      expect(Object.keys(counts)[0]).toMatch(/^pod-[abc]$/);
    }
  });

  it('masquerades a pod reaching itself through its ClusterIP (hairpin) to the bridge address', async () => {
    const podA = topology.pods[0]!;
    const attempts = await topology.probe(podA.netns, { proto: 'tcp', host: SCENARIO_IPS.hairpin, port: 80, count: 10 });
    expect(countByPod(attempts)).toEqual({ 'pod-a': 10 });
    expect(peersOf(attempts)).toEqual([topology.node.gateway]);
    // Another pod reaching the same service keeps its own address (pod to pod is not masqueraded).
    const fromPodB = await topology.probe(topology.pods[1]!.netns, { proto: 'tcp', host: SCENARIO_IPS.hairpin, port: 80, count: 5 });
    expect(peersOf(fromPodB)).toEqual([topology.pods[1]!.ip]);
  });
});

const HELD_CONNECTION = fileURLToPath(new URL('../helpers/held-connection.ts', import.meta.url));

interface HeldSample {
  readonly t: number;
  readonly reply?: string;
  readonly error?: string;
}

/** Runs held-connection.ts in `netns`: one TCP connection, pinged every 20 ms, its replies collected. */
function holdConnection(netns: string, host: string, port: number): JsonLinesProcess<HeldSample> {
  return startJsonLinesInNetns<HeldSample>(netns, HELD_CONNECTION, ['--host', host, '--port', String(port)]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeAsRoot.each(CASES)('an established connection while kpx run is killed and restarted ($label)', (modeCase) => {
  let cluster: EchoCluster;
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    cluster = await startEchoCluster('kpxr');
    await plantBackendHint(cluster.topology.execIn(cluster.topology.node.netns), modeCase);
  });

  afterAll(() => stopAll(daemons, cluster));

  it('keeps answering on the same endpoint through kill -9 and restart, and converges to the same ruleset', async () => {
    const nodeExec = cluster.topology.execIn(cluster.topology.node.netns);
    const first = await startNodeDaemon(cluster, modeCase);
    daemons.push(first);
    const before = await savedModeRules(nodeExec, modeCase);
    expect(before.some((line) => line.includes(WEB_IP))).toBe(true);
    const held = holdConnection(cluster.pods.a.netns, WEB_IP, 80);
    try {
      const deadline = Date.now() + 5_000;
      while (held.samples.length < 3 && Date.now() < deadline) await sleep(10);
      const endpoint = held.samples[0]?.reply?.split(' ')[0];
      expect(endpoint).toMatch(/^pod-[abc]$/);

      const killedAt = Date.now();
      first.kill('SIGKILL');
      await first.exited;
      await sleep(300);
      const restarted = await startNodeDaemon(cluster, modeCase);
      daemons.push(restarted);
      const restartedAt = Date.now();
      await sleep(300);
      expect(restarted.child.exitCode).toBeNull();

      expect(held.samples.filter((sample) => sample.error !== undefined)).toEqual([]);
      expect(held.samples.filter((sample) => sample.t > killedAt && sample.t < restartedAt).length).toBeGreaterThan(5);
      expect(held.samples.filter((sample) => sample.t > restartedAt).length).toBeGreaterThan(5);
      expect(new Set(held.samples.map((sample) => sample.reply?.split(' ')[0]))).toEqual(new Set([endpoint]));
      const gaps = held.samples.slice(1).map((sample, index) => sample.t - held.samples[index]!.t);
      expect(Math.max(...gaps)).toBeLessThan(500);
    } finally {
      await held.stop();
    }
    expect(await savedModeRules(nodeExec, modeCase)).toEqual(before);
  });
});
