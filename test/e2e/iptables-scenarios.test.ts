// The iptables scenarios beyond ClusterIP and NodePort, with the real renderer and dataplane in the
// topology's node namespace, asserted with real traffic: external IPs, LoadBalancer IPs with
// source ranges, externalTrafficPolicy Local, ClientIP affinity and hairpin masquerade; and
// an established connection surviving `kpx run` being killed and started again.
// The echo servers answer `NAME PEER_IP`, so the source address each pod saw is checkable.
// Every dataplane scenario runs on both iptables backends. Needs root, iproute2, iptables-legacy and iptables-nft.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import type { Dataplane } from '@kpx/agent/modes/mode.ts';
import { iptablesMode } from '@kpx/agent/modes/iptables/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import type { IptablesPlan } from '@kpx/agent/modes/iptables/plan-types.ts';
import { planIptables } from '@kpx/agent/modes/iptables/plan.ts';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { ip } from '@kpx/lab/netns-wiring.ts';
import { freePort } from '../daemon/free-port.ts';
import { kpxRules, spawnKpxRun, startJsonLinesInNetns, type DaemonProcess, type JsonLinesProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { makeEndpointSlice, makeNode, makeService } from '../helpers/k8s-builders.ts';
import type { Attempt } from '../helpers/probe-client.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState, type ServicePortDraft } from '../helpers/state-builders.ts';
import { buildTopology, CLUSTER_CIDR, countByPod, uniquePrefix, type Topology, type TopologyPod } from '../helpers/topology.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const ECHO_PORT = 8080;
/** External and LoadBalancer addresses: TEST-NET-3, routed to the node only inside the client and remote-node namespaces. */
const EXTERNAL_IP = '203.0.113.10';
const LB_IP = '203.0.113.20';
const FIREWALLED_LB_IP = '203.0.113.21';
const LOCAL_NODE_PORT = 30081;
const REMOTE_ONLY_LOCAL_NODE_PORT = 30082;
const DROP_WAIT_MS = 500;

interface ScenarioService {
  readonly name: string;
  readonly clusterIP: string;
  readonly pods: readonly TopologyPod[];
  readonly mutate?: (draft: ServicePortDraft) => void;
}

function servicePort(service: ScenarioService): ServicePort {
  return makeServicePort('ns1', service.name, 'http', (draft) => {
    draft.clusterIP = service.clusterIP;
    draft.endpoints = service.pods.map((pod) =>
      makeEndpoint(pod.ip, ECHO_PORT, (endpoint) => {
        endpoint.isLocal = pod.isLocal;
        endpoint.nodeName = pod.isLocal ? 'node' : 'rnode';
      }),
    );
    service.mutate?.(draft);
  });
}

function desiredState(topology: Topology): DesiredState {
  const [podA, , podC] = topology.pods;
  const services: ScenarioService[] = [
    { name: 'external', clusterIP: '10.96.1.1', pods: topology.pods, mutate: (draft) => (draft.externalIPs = [EXTERNAL_IP]) },
    {
      name: 'external-udp',
      clusterIP: '10.96.1.8',
      pods: topology.pods,
      mutate: (draft) => {
        draft.protocol = 'UDP';
        draft.externalIPs = [EXTERNAL_IP];
      },
    },
    { name: 'lb', clusterIP: '10.96.1.2', pods: topology.pods, mutate: (draft) => (draft.loadBalancerVIPs = [LB_IP]) },
    {
      name: 'lb-ranges',
      clusterIP: '10.96.1.3',
      pods: topology.pods,
      mutate: (draft) => {
        draft.loadBalancerVIPs = [FIREWALLED_LB_IP];
        // Lets the remote node in, not the client.
        draft.loadBalancerSourceRanges = [`${topology.remoteNode.ip}/32`];
      },
    },
    {
      name: 'local',
      clusterIP: '10.96.1.4',
      pods: topology.pods,
      mutate: (draft) => {
        draft.nodePort = LOCAL_NODE_PORT;
        draft.externalPolicyLocal = true;
      },
    },
    {
      name: 'remote-only',
      clusterIP: '10.96.1.5',
      pods: [podC!],
      mutate: (draft) => {
        draft.nodePort = REMOTE_ONLY_LOCAL_NODE_PORT;
        draft.externalPolicyLocal = true;
      },
    },
    {
      name: 'sticky',
      clusterIP: '10.96.1.6',
      pods: topology.pods,
      mutate: (draft) => (draft.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 10800 }),
    },
    { name: 'hairpin', clusterIP: '10.96.1.7', pods: [podA!] },
  ];
  const node = makeNodeContext((context) => {
    context.nodeName = 'node';
    context.nodeIPs = [topology.node.ip];
    context.detectLocal = { mode: 'ClusterCIDR', cidrs: [CLUSTER_CIDR] };
  });
  return makeState(services.map(servicePort), node);
}

function peersOf(attempts: readonly Attempt[]): string[] {
  return [...new Set(attempts.map((attempt) => attempt.reply?.split(' ')[1] ?? `error:${attempt.error ?? '?'}`))].sort();
}

function expectSpreadOverEveryPod(attempts: readonly Attempt[], minimumEach: number): void {
  const counts = countByPod(attempts);
  expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
  for (const count of Object.values(counts)) expect(count).toBeGreaterThan(minimumEach);
}

describeAsRoot.each(['legacy', 'nft'] as const)('iptables scenarios with real traffic (%s backend)', (backend) => {
  let topology: Topology;
  let dataplane: Dataplane<IptablesPlan>;

  beforeAll(async () => {
    topology = await buildTopology(uniquePrefix('kpxs'));
    // The client and the remote node reach the external and LoadBalancer IPs through the node.
    for (const netns of [topology.client.netns, topology.remoteNode.netns]) {
      await ip(realExec, '-n', netns, 'route', 'add', '203.0.113.0/24', 'via', topology.node.ip);
    }
    await topology.startEchoServers([ECHO_PORT]);
    dataplane = iptablesMode.open(
      { exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() },
      dataplaneSettings({ backend }, { netns: topology.node.netns }),
    );
    await dataplane.setup();
    await dataplane.apply(planIptables(desiredState(topology)));
  });

  afterAll(async () => {
    await dataplane?.close();
    await topology?.teardown();
  });

  it('spreads TCP and UDP from the client through an external IP over every endpoint', async () => {
    const client = topology.client.netns;
    expectSpreadOverEveryPod(await topology.probe(client, { proto: 'tcp', host: EXTERNAL_IP, port: 80, count: 150 }), 20);
    expectSpreadOverEveryPod(await topology.probe(client, { proto: 'udp', host: EXTERNAL_IP, port: 80, count: 150 }), 20);
  });

  it('spreads TCP from the client through a LoadBalancer ingress IP over every endpoint', async () => {
    expectSpreadOverEveryPod(await topology.probe(topology.client.netns, { proto: 'tcp', host: LB_IP, port: 80, count: 150 }), 20);
  });

  it('lets a source inside loadBalancerSourceRanges through and drops the client outside it', async () => {
    const allowed = await topology.probe(topology.remoteNode.netns, { proto: 'tcp', host: FIREWALLED_LB_IP, port: 80, count: 60 });
    expect(Object.keys(countByPod(allowed)).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    const dropped = await topology.probe(topology.client.netns, { proto: 'tcp', host: FIREWALLED_LB_IP, port: 80, count: 5, timeoutMs: DROP_WAIT_MS });
    // Dropped, not rejected: the connection times out.
    expect(dropped.map((attempt) => attempt.error)).toEqual(Array(5).fill('timeout'));
    // The same client still reaches the service without a source range.
    expect((await topology.probe(topology.client.netns, { proto: 'tcp', host: LB_IP, port: 80 }))[0]?.reply).toBeDefined();
  });

  it('serves a Local NodePort from the node’s own endpoints only, with the client’s source IP', async () => {
    const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host: topology.node.ip, port: LOCAL_NODE_PORT, count: 60 });
    const counts = countByPod(attempts);
    expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b']);
    for (const count of Object.values(counts)) expect(count).toBeGreaterThan(10);
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

  it('keeps 30 connections of one client on one endpoint with ClientIP affinity', async () => {
    for (const from of [topology.pods[1]!.netns, topology.node.netns]) {
      const counts = countByPod(await topology.probe(from, { proto: 'tcp', host: '10.96.1.6', port: 80, count: 30, concurrency: 1 }));
      expect(Object.values(counts)).toEqual([30]);
      expect(Object.keys(counts)[0]).toMatch(/^pod-[abc]$/);
    }
  });

  it('masquerades a pod reaching itself through its ClusterIP (hairpin) to the bridge address', async () => {
    const podA = topology.pods[0]!;
    const attempts = await topology.probe(podA.netns, { proto: 'tcp', host: '10.96.1.7', port: 80, count: 10 });
    expect(countByPod(attempts)).toEqual({ 'pod-a': 10 });
    expect(peersOf(attempts)).toEqual([topology.node.gateway]);
    // Another pod reaching the same service keeps its own address (pod to pod is not masqueraded).
    const fromPodB = await topology.probe(topology.pods[1]!.netns, { proto: 'tcp', host: '10.96.1.7', port: 80, count: 5 });
    expect(peersOf(fromPodB)).toEqual([topology.pods[1]!.ip]);
  });
});

const HELD_CONNECTION = fileURLToPath(new URL('../helpers/held-connection.ts', import.meta.url));
const RESTART_WEB_IP = '10.96.2.10';

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
const isSync = (line: LogLine): boolean => line.msg === 'sync done' && line['applied'] === true;

describeAsRoot('an established connection while kpx run is killed and restarted', () => {
  let topology: Topology;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let daemons: DaemonProcess[] = [];

  const startDaemon = async (): Promise<DaemonProcess> => {
    const daemon = spawnKpxRun([
      '--master', api.url, '--hostname-override', 'node', '--netns', topology.node.netns, '--cluster-cidr', CLUSTER_CIDR,
      '--healthz-bind-address', `127.0.0.1:${await freePort()}`, '--metrics-bind-address', `127.0.0.1:${await freePort()}`,
      '--iptables-min-sync-period', '100ms', '--iptables-sync-period', '30s',
    ]);
    daemons.push(daemon);
    await daemon.waitForLog(isSync);
    return daemon;
  };
  const savedKpxRules = async (): Promise<string[]> => {
    const nodeExec = topology.execIn(topology.node.netns);
    const legacy = await execOk(nodeExec, { file: 'iptables-legacy-save', args: [] });
    const nft = await execOk(nodeExec, { file: 'iptables-nft-save', args: [] });
    return kpxRules(`${legacy.stdout}${nft.stdout}`);
  };

  beforeAll(async () => {
    topology = await buildTopology(uniquePrefix('kpxr'));
    await topology.startEchoServers([ECHO_PORT]);
    api = await startApiServer();
    await api.create(makeNode('node', (node) => {
      node.status.addresses = [{ type: 'InternalIP', address: topology.node.ip }];
      node['spec'] = { podCIDR: topology.node.podCIDR, podCIDRs: [topology.node.podCIDR] };
    }));
    const web: RawObject = makeService('ns1', 'web', (svc) => {
      svc.spec.type = 'ClusterIP';
      svc.spec.clusterIP = RESTART_WEB_IP;
      svc.spec.clusterIPs = [RESTART_WEB_IP];
      svc.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP', targetPort: ECHO_PORT }];
    });
    await api.create(web);
    await api.create(makeEndpointSlice('ns1', 'web-abc', 'web', (slice) => {
      slice.endpoints = topology.pods.map((pod) => ({ addresses: [pod.ip], nodeName: pod.isLocal ? 'node' : 'rnode', conditions: { ready: true } }));
      slice.ports = [{ name: 'p', port: ECHO_PORT, protocol: 'TCP' }];
    }));
  });

  afterAll(async () => {
    for (const daemon of daemons) {
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
    daemons = [];
    await api?.stop();
    await topology?.teardown();
  });

  it('keeps answering on the same endpoint through kill -9 and restart, and converges to the same ruleset', async () => {
    const first = await startDaemon();
    const before = await savedKpxRules();
    expect(before.some((line) => line.includes(RESTART_WEB_IP))).toBe(true);
    const held = holdConnection(topology.pods[0]!.netns, RESTART_WEB_IP, 80);
    try {
      const deadline = Date.now() + 5_000;
      while (held.samples.length < 3 && Date.now() < deadline) await sleep(10);
      const endpoint = held.samples[0]?.reply?.split(' ')[0];
      expect(endpoint).toMatch(/^pod-[abc]$/);

      const killedAt = Date.now();
      first.kill('SIGKILL');
      await first.exited;
      await sleep(300);
      const restarted = await startDaemon();
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
    expect(await savedKpxRules()).toEqual(before);
  });
});
