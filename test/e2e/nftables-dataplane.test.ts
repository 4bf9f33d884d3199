// The nftables dataplane with the real planner, in network namespaces, with real traffic:
// ClusterIP (TCP, UDP) from the node and from a pod, NodePort from outside, a service without
// endpoints refused at once, a partial sync of one endpoint change, and a rejected transaction
// that changes nothing; once per engine (`nft -f -` per sync, and an in-process libnftables
// context opened inside the node's namespace). Needs root, iproute2 and nft (libnftables).
import { diffStates } from '@kpx/agent/diff/diff-states.ts';
import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKpxError } from '@kpx/agent/errors.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import type { Dataplane } from '@kpx/agent/modes/mode.ts';
import { openNftablesDataplane } from '@kpx/agent/modes/nftables/dataplane.ts';
import type { NftablesPlan } from '@kpx/agent/modes/nftables/plan-types.ts';
import { createNftablesPlanner } from '@kpx/agent/modes/nftables/plan.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../helpers/state-builders.ts';
import { buildTopology, CLUSTER_CIDR, countByPod, type Topology, type TopologyPod } from '../helpers/topology.ts';

const isRoot = process.getuid?.() === 0;
const ownNetns = readlinkSync('/proc/thread-self/ns/net');
const hasNft = (await realExec({ file: 'nft', args: ['--version'] }).catch(() => undefined))?.exitCode === 0;
const ECHO_PORT = 8080;
const WEB_IP = '10.96.0.10';
const DNS_IP = '10.96.0.53';
const EMPTY_IP = '10.96.0.99';
const HAIRPIN_IP = '10.96.0.7';
const WEB_NODE_PORT = 30080;

function endpointsOf(pods: readonly TopologyPod[]) {
  return pods.map((pod) =>
    makeEndpoint(pod.ip, ECHO_PORT, (endpoint) => {
      endpoint.isLocal = pod.isLocal;
      endpoint.nodeName = pod.isLocal ? 'node' : 'rnode';
    }),
  );
}

function desiredState(topology: Topology, webPods: readonly TopologyPod[] = topology.pods): DesiredState {
  const ports: ServicePort[] = [
    makeServicePort('ns1', 'dns', 'dns', (port) => {
      port.protocol = 'UDP';
      port.clusterIP = DNS_IP;
      port.port = 53;
      port.endpoints = endpointsOf(topology.pods);
    }),
    makeServicePort('ns1', 'empty', 'http', (port) => {
      port.clusterIP = EMPTY_IP;
    }),
    makeServicePort('ns1', 'hairpin', 'http', (port) => {
      port.clusterIP = HAIRPIN_IP;
      port.endpoints = endpointsOf(topology.pods.slice(0, 1));
    }),
    makeServicePort('ns1', 'web', 'http', (port) => {
      port.clusterIP = WEB_IP;
      port.nodePort = WEB_NODE_PORT;
      port.endpoints = endpointsOf(webPods);
    }),
  ];
  const node = makeNodeContext((context) => {
    context.nodeName = 'node';
    context.nodeIPs = [topology.node.ip];
    context.detectLocal = { mode: 'ClusterCIDR', cidrs: [CLUSTER_CIDR] };
  });
  return makeState(ports, node);
}

describe.skipIf(!isRoot || !hasNft).each(['nft', 'libnftables'] as const)('nftables dataplane (engine %s)', (engine) => {
  let topology: Topology;
  let dataplane: Dataplane<NftablesPlan>;
  let nodeExec: Exec;
  const plan = createNftablesPlanner({});
  const transactions: string[] = [];
  const recordedExec: Exec = (request) => {
    if (request.stdin !== undefined) transactions.push(request.stdin);
    return realExec(request);
  };
  // The table without the hairpin check's pairs: they come and go (1 s timeout) with the traffic.
  const listTable = async (): Promise<string> =>
    (await execOk(nodeExec, { file: 'nft', args: ['list', 'table', 'ip', 'kube-proxy'] })).stdout.replace(
      /(set hairpin-pairs \{[^}]*?)\n\t\telements = \{[^}]*\}/,
      '$1',
    );

  beforeAll(async () => {
    topology = await buildTopology();
    nodeExec = topology.execIn(topology.node.netns);
    await topology.startEchoServers([ECHO_PORT]);
    dataplane = openNftablesDataplane(
      { exec: recordedExec, clock: { now: () => performance.now() }, log: silentLogger() },
      { netns: topology.node.netns, ipFamily: 'IPv4', engine },
    );
    await dataplane.setup();
    await dataplane.apply(plan(desiredState(topology)));
  }, 120_000);

  afterAll(async () => {
    await dataplane?.cleanup();
    await dataplane?.close();
    await topology?.teardown();
  });

  it('replaced the table on the first full sync, in one transaction', () => {
    // setup()'s `add table`, then the full sync, which goes through `nft -f -` with libnftables
    // too (ARCHITECTURE.md). libnftables ran setup()'s in its context, whose socket is in the
    // node's namespace (the partial sync test sees its change in traffic); the JS thread went back.
    expect(transactions).toHaveLength(engine === 'nft' ? 2 : 1);
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(ownNetns);
    const first = transactions.at(-1)!.split('\n');
    expect(first.slice(0, 3)).toEqual([
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
      'delete table ip kube-proxy',
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    ]);
  });

  it('spreads ClusterIP TCP from the node and from a pod over every endpoint', async () => {
    for (const from of [topology.node.netns, topology.pods[0]!.netns]) {
      const counts = countByPod(await topology.probe(from, { proto: 'tcp', host: WEB_IP, port: 80, count: 200 }));
      expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
      for (const count of Object.values(counts)) expect(count).toBeGreaterThan(30);
    }
  });

  it('spreads ClusterIP UDP over every endpoint', async () => {
    const counts = countByPod(await topology.probe(topology.pods[1]!.netns, { proto: 'udp', host: DNS_IP, port: 53, count: 200 }));
    expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
  });

  it('serves the NodePort to a client outside the cluster', async () => {
    const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host: topology.node.ip, port: WEB_NODE_PORT, count: 60 });
    expect(Object.keys(countByPod(attempts)).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
  });

  it('masquerades a pod reaching itself through its ClusterIP (hairpin), and only that pod', async () => {
    const peersOf = (attempts: readonly { reply?: string; error?: string }[]): string[] =>
      [...new Set(attempts.map((attempt) => attempt.reply?.split(' ')[1] ?? `error:${attempt.error ?? '?'}`))].sort();
    const self = await topology.probe(topology.pods[0]!.netns, { proto: 'tcp', host: HAIRPIN_IP, port: 80, count: 10 });
    expect(countByPod(self)).toEqual({ 'pod-a': 10 });
    expect(peersOf(self)).toEqual([topology.node.gateway]);
    const other = await topology.probe(topology.pods[1]!.netns, { proto: 'tcp', host: HAIRPIN_IP, port: 80, count: 5 });
    expect(peersOf(other)).toEqual([topology.pods[1]!.ip]);
    // From the remote node's pod the traffic crosses nodes unmasqueraded too (pod to pod).
    const remote = await topology.probe(topology.pods[2]!.netns, { proto: 'tcp', host: HAIRPIN_IP, port: 80, count: 5 });
    expect(peersOf(remote)).not.toContain(topology.node.gateway);
  });

  it('refuses a service without endpoints at once', async () => {
    const attempts = await topology.probe(topology.pods[0]!.netns, { proto: 'tcp', host: EMPTY_IP, port: 80, count: 5, timeoutMs: 2000 });
    for (const attempt of attempts) {
      expect(attempt.error).toBe('ECONNREFUSED');
      expect(attempt.ms).toBeLessThan(1000);
    }
  });

  it('applies one endpoint change as a partial transaction of element changes only', async () => {
    const before = desiredState(topology);
    const after = desiredState(topology, topology.pods.slice(0, 2));
    const sent = transactions.length;
    const report = await dataplane.apply(plan(after, diffStates(before, after)));
    expect(report.full).toBe(false);
    // libnftables: no process, the transaction ran in the context.
    expect(transactions.length).toBe(engine === 'nft' ? sent + 1 : sent);
    if (engine === 'nft') {
      const partial = transactions.at(-1)!;
      expect(partial).not.toMatch(/table/);
      expect(partial.split('\n').filter((line) => line.startsWith('delete element')).length).toBeGreaterThan(0);
    }
    const counts = countByPod(await topology.probe(topology.node.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 60 }));
    expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b']);
    await dataplane.apply(plan(before, diffStates(after, before)));
    const restored = countByPod(await topology.probe(topology.node.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 90 }));
    expect(Object.keys(restored).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
  });

  it('a rejected transaction throws KPX_ERR_NFT naming the statement and changes nothing', async () => {
    const good = plan(desiredState(topology));
    const before = await listTable();
    const broken: NftablesPlan = { ...good, body: [...good.body.slice(0, 5), 'add rule ip kube-proxy services bogus', ...good.body.slice(5)] };
    const error = await dataplane.apply(broken).catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_NFT')).toBe(true);
    expect((error as { context: { statement: string } }).context.statement).toBe('add rule ip kube-proxy services bogus');
    expect(await listTable()).toBe(before);
  });

  it('a later full sync flushes instead of replacing, and observe reads back one service', async () => {
    await dataplane.apply(plan(desiredState(topology)));
    expect(transactions.at(-1)!.split('\n')[1]).toBe('flush table ip kube-proxy');
    const observed = await dataplane.observe('ns1/empty:http');
    expect(observed.text).toContain('"ns1/empty:http"');
  });
});
