// `kpx trace` end to end: the real CLI (bin/kpx.mjs, --json) against a node namespace that a
// real `kpx run` daemon programs from the embedded API server, in nftables mode and in iptables
// mode on both backends. Each trace is one real probe from a pod (or the client outside the
// cluster) in the test's own namespaces; the assertions are on what the trace reports (the
// DNAT, reject and drop rules, the conntrack entry, the probe's outcome), checked against the
// echo server that answered and against the rules the daemon programmed; and every trace
// leaves the node's ruleset as it found it, interrupted (SIGINT) or not. Needs root, iproute2, iptables-legacy,
// iptables-nft, nft, conntrack and xtables-monitor.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ip } from '@kpx/lab/netns-wiring.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import type { RuleHit, Trace } from '@kpx/agent/trace/trace-types.ts';
import { spawnKpxRun, type DaemonProcess } from '../daemon/run-daemon-process.ts';
import { IPTABLES_LEGACY, IPTABLES_NFT, isAppliedSync, NFTABLES, nodeDaemonArgs, plantBackendHint, type ProxyModeCase } from '../daemon/proxy-mode-cases.ts';
import { startEchoCluster, type EchoCluster } from '../helpers/echo-cluster.ts';
import { EXTERNAL_NET, FIREWALLED_LB_IP, SCENARIO_IPS, scenarioObjects } from '../helpers/scenario-objects.ts';
import { makeEndpointSlice } from '../helpers/k8s-builders.ts';
import { CLUSTER_CIDR, type Topology } from '../helpers/topology.ts';
import { netfilterSnapshot, runKpxTrace, spawnKpxTrace } from '../helpers/trace-cli.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const CASES: readonly ProxyModeCase[] = [NFTABLES, IPTABLES_NFT, IPTABLES_LEGACY];
/** One trace, probe timeout (2 s) included, on a loaded machine. */
const TRACE_BOUND_MS = 8_000;

const DATAPLANE: Record<string, string> = {
  nftables: 'nftables (table kube-proxy)',
  'iptables, nft backend': 'iptables (nft backend)',
  'iptables, legacy backend': 'iptables (legacy backend)',
};

/**
 * The embedded API server serves no Pods: kpx trace finds a pod's IP by name in an EndpointSlice
 * endpoint whose targetRef names it. This slice's Service does not exist, so kpx run ignores it.
 */
function podIndexSlice(topology: Topology): RawObject {
  return makeEndpointSlice('ns1', 'pod-index', 'pod-index', (slice) => {
    slice.endpoints = topology.pods.map((pod) => ({
      addresses: [pod.ip],
      conditions: { ready: true },
      targetRef: { kind: 'Pod', namespace: 'ns1', name: pod.name },
    }));
    slice.ports = [{ name: 'p', port: 8080, protocol: 'TCP' }];
  });
}

const ruleText = (hits: readonly RuleHit[]): string => hits.map((hit) => `${hit.table} ${hit.chain}: ${hit.rule} => ${hit.verdict}`).join('\n');

describeAsRoot.each(CASES)('kpx trace through a node programmed by kpx run ($label)', (modeCase) => {
  let cluster: EchoCluster;
  let daemon: DaemonProcess | undefined;
  let nodeExec: Exec;
  const podIPs = new Map<string, string>();

  beforeAll(async () => {
    cluster = await startEchoCluster('kpxt', (topology) => [...scenarioObjects(topology), podIndexSlice(topology)]);
    const { topology } = cluster;
    for (const pod of topology.pods) podIPs.set(pod.ip, pod.name);
    await ip(realExec, '-n', topology.client.netns, 'route', 'add', EXTERNAL_NET, 'via', topology.node.ip);
    // As a node's default route would: without a route, a packet the rules leave alone is refused
    // by routing (net unreachable) before the filter chains that hold the firewall's drop rule.
    await ip(realExec, '-n', topology.node.netns, 'route', 'add', EXTERNAL_NET, 'via', topology.remoteNode.ip);
    nodeExec = topology.execIn(topology.node.netns);
    await execSysctl(nodeExec).write('net.ipv4.icmp_ratelimit', '0');
    await plantBackendHint(nodeExec, modeCase);
    daemon = spawnKpxRun(await nodeDaemonArgs(cluster.api.url, topology.node.netns, modeCase, CLUSTER_CIDR));
    await daemon.waitForLog(isAppliedSync);
  });

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    await cluster?.api.stop();
    await cluster?.topology.teardown();
  });

  /** Runs the trace from `from` to `to`, and checks that the node's rules are as before it, with no trace rule anywhere. */
  async function trace(from: string, to: string, extra: readonly string[] = []): Promise<Trace> {
    const before = await netfilterSnapshot(nodeExec);
    const run = await runKpxTrace(['--from', from, '--to', to, '--netns', cluster.topology.node.netns, '--master', cluster.api.url, ...extra]);
    const after = await netfilterSnapshot(nodeExec);
    expect(after).toEqual(before);
    for (const text of Object.values(after)) expect(text).not.toMatch(/kpx-trace|TRACE|nftrace/);
    expect(run.trace.cleanedUp).toBe(true);
    expect(run.elapsedMs).toBeLessThan(TRACE_BOUND_MS);
    expect(run.trace.dataplane).toBe(DATAPLANE[modeCase.label]);
    // Every verdict in words (xtables-monitor prints some as hex codes).
    expect(run.trace.rules.filter((hit) => /0x/.test(hit.verdict))).toEqual([]);
    expect(run.trace.ruleSource.kind).toBe(modeCase.mode === 'nftables' ? 'nft-trace' : modeCase.backend === 'nft' ? 'xtables-trace' : 'legacy-counters');
    return run.trace;
  }

  /** The endpoint that answered, as the conntrack entry's reply tuple names it; checks that it is one of the service's pods. */
  function answeringEndpoint(result: Trace, serviceIP: string, port: number): string {
    const entry = result.conntrack[0];
    expect(entry?.original).toMatchObject({ src: cluster.pods.a.ip, dst: serviceIP, dport: port });
    expect(podIPs.has(entry?.reply.src ?? '')).toBe(true);
    expect(entry?.dnatTo).toBe(`${entry?.reply.src}:8080`);
    // pod-a answering itself through the service is masqueraded to the bridge address (hairpin).
    const hairpin = entry?.reply.src === cluster.pods.a.ip;
    expect(entry?.reply).toMatchObject({ dst: hairpin ? cluster.topology.node.gateway : cluster.pods.a.ip, sport: 8080 });
    expect(entry?.snatTo === undefined).toBe(!hairpin);
    return entry?.reply.src ?? '';
  }

  /** Asserts that the rules the trace reports include the DNAT to `endpoint` of the service at `serviceIP:port`. */
  async function expectDnatRule(result: Trace, serviceIP: string, port: number, endpoint: string): Promise<void> {
    const rules = ruleText(result.rules);
    const protocol = result.flow.protocol;
    if (modeCase.mode === 'nftables') {
      // The map-based DNAT rule, and the map's element for this endpoint.
      const dnat = result.rules.find(
        (hit) =>
          hit.table === 'ip kube-proxy' &&
          new RegExp(`^dnat ip to ip daddr \\. ${protocol} dport \\. numgen random mod \\d+ map @cluster-endpoints-${protocol}$`).test(hit.rule),
      );
      expect(dnat, rules).toBeDefined();
      const map = await execOk(nodeExec, { file: 'nft', args: ['list', 'map', 'ip', 'kube-proxy', `cluster-endpoints-${protocol}`] });
      expect(map.stdout).toMatch(new RegExp(`${serviceIP.replaceAll('.', '\\.')} \\. ${port} \\. \\d+ : ${endpoint.replaceAll('.', '\\.')} \\. 8080`));
      return;
    }
    const sep = result.rules.find(
      (hit) => hit.table === 'nat' && /^KUBE-SEP-/.test(hit.chain) && hit.rule.includes(`-j DNAT --to-destination ${endpoint}:8080`),
    );
    expect(sep, rules).toBeDefined();
    expect(
      result.rules.some(
        (hit) => hit.table === 'nat' && /^KUBE-SVC-/.test(hit.chain) && hit.rule.includes(`-j ${sep?.chain}`) && hit.verdict === `jump ${sep?.chain}`,
      ),
      rules,
    ).toBe(true);
    expect(
      result.rules.some((hit) => hit.table === 'nat' && hit.chain === 'KUBE-SERVICES' && hit.rule.includes(`-d ${serviceIP}/32`)),
      rules,
    ).toBe(true);
  }

  it('traces a pod to a ClusterIP named as namespace/name:port: the DNAT of the endpoint that answered, its conntrack entry, connected', async () => {
    const result = await trace(cluster.pods.a.ip, 'ns1/web:80');
    expect(result.flow).toEqual({ protocol: 'tcp', source: cluster.pods.a.ip, destination: SCENARIO_IPS.web, port: 80 });
    expect(result.sourceNetns).toBe(cluster.pods.a.netns);
    expect(result.probe.outcome).toBe('connected');
    const endpoint = answeringEndpoint(result, SCENARIO_IPS.web, 80);
    await expectDnatRule(result, SCENARIO_IPS.web, 80, endpoint);
    const { node } = cluster.topology;
    expect(result.hops.slice(0, 3).map((hop) => [hop.netns, hop.interface])).toEqual([
      [cluster.pods.a.netns, 'eth0'],
      [node.netns, 'vpod-a'],
      [node.netns, 'cbr0'],
    ]);
    const holder = cluster.topology.pods.find((pod) => pod.ip === endpoint);
    if (holder !== cluster.pods.a) expect(result.hops.at(-1)).toMatchObject({ netns: holder?.netns, interface: 'eth0' });
  });

  it('traces from a pod named as namespace/name (its IP from an EndpointSlice) to a ClusterIP', async () => {
    const podB = cluster.pods.b;
    const result = await trace('ns1/pod-b', 'ns1/web:80');
    expect(result.fromLabel).toBe(`pod ns1/pod-b (${podB.ip})`);
    expect(result.flow.source).toBe(podB.ip);
    expect(result.sourceNetns).toBe(podB.netns);
    expect(result.probe.outcome).toBe('connected');
    expect(result.conntrack[0]?.original).toMatchObject({ src: podB.ip, dst: SCENARIO_IPS.web, dport: 80 });
  });

  it('traces a pod to a ClusterIP given as IP:PORT the same way', async () => {
    const result = await trace(cluster.pods.a.ip, `${SCENARIO_IPS.web}:80`);
    expect(result.sourceNetns).toBe(cluster.pods.a.netns);
    expect(result.probe.outcome).toBe('connected');
    await expectDnatRule(result, SCENARIO_IPS.web, 80, answeringEndpoint(result, SCENARIO_IPS.web, 80));
  });

  it('traces UDP to a UDP ClusterIP: the datagram is answered, through the DNAT of the endpoint that answered', async () => {
    const result = await trace(cluster.pods.a.ip, 'ns1/dns:53');
    expect(result.flow).toEqual({ protocol: 'udp', source: cluster.pods.a.ip, destination: SCENARIO_IPS.dns, port: 53 });
    expect(result.probe.outcome).toBe('reply');
    await expectDnatRule(result, SCENARIO_IPS.dns, 53, answeringEndpoint(result, SCENARIO_IPS.dns, 53));
  });

  it('traces a service without endpoints to its reject rule, and the probe is refused', async () => {
    const result = await trace(cluster.pods.a.ip, 'ns1/empty:80');
    expect(result.probe.outcome).toBe('refused');
    const rules = ruleText(result.rules);
    if (modeCase.mode === 'nftables') {
      expect(
        result.rules.some((hit) => hit.table === 'ip kube-proxy' && hit.rule.includes('@no-endpoint-services')),
        rules,
      ).toBe(true);
      expect(
        result.rules.some((hit) => hit.table === 'ip kube-proxy' && hit.chain === 'reject-chain' && hit.rule === 'reject'),
        rules,
      ).toBe(true);
    } else {
      expect(
        result.rules.some(
          (hit) =>
            hit.table === 'filter' &&
            /^KUBE-(SERVICES|EXTERNAL-SERVICES)$/.test(hit.chain) &&
            hit.rule.includes(`-d ${SCENARIO_IPS.empty}/32`) &&
            hit.rule.includes('-j REJECT'),
        ),
        rules,
      ).toBe(true);
    }
  });

  it('traces the client outside loadBalancerSourceRanges to the LoadBalancer IP: dropped, by the firewall rule', async () => {
    const { client } = cluster.topology;
    const result = await trace(client.ip, `${FIREWALLED_LB_IP}:80`);
    expect(result.sourceNetns).toBe(client.netns);
    // The client reaches the node through the switch namespace: no veth into the node namespace.
    expect(result.hops.map((hop) => [hop.netns, hop.interface])).toEqual([
      [client.netns, 'eth0'],
      [cluster.topology.node.netns, ''],
    ]);
    expect(result.probe.outcome, JSON.stringify(result, null, 1)).toBe('timeout');
    const rules = ruleText(result.rules);
    if (modeCase.mode === 'nftables') {
      expect(
        result.rules.some((hit) => hit.table === 'ip kube-proxy' && /^firewall-.*ns1\/lb-ranges\/tcp\/p$/.test(hit.chain) && / drop$/.test(hit.rule)),
        rules,
      ).toBe(true);
    } else {
      expect(
        result.rules.some(
          (hit) =>
            hit.table === 'filter' && hit.chain === 'KUBE-PROXY-FIREWALL' && hit.rule.includes(`-d ${FIREWALLED_LB_IP}/32`) && hit.rule.endsWith('-j DROP'),
        ),
        rules,
      ).toBe(true);
    }
  });

  it('removes its trace rule when interrupted mid-probe (SIGINT), and exits 130', async () => {
    const before = await netfilterSnapshot(nodeExec);
    const running = spawnKpxTrace(['--from', cluster.topology.client.ip, '--to', `${FIREWALLED_LB_IP}:80`, '--netns', cluster.topology.node.netns]);
    // The probe waits 2 s for the dropped connection: interrupt once it runs (the node script in
    // the client's namespace), the trace rule in place before it.
    const deadline = performance.now() + 5_000;
    const probing = async (): Promise<boolean> => {
      const pids = (await execOk(realExec, { file: 'ip', args: ['netns', 'pids', cluster.topology.client.netns] })).stdout
        .split('\n')
        .filter((pid) => pid !== '');
      const commands = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')));
      return commands.some((command) => command.startsWith(`${process.execPath}\0-e\0`) && command.includes('kpx-trace'));
    };
    while (!(await probing()) && performance.now() < deadline) await sleep(20);
    expect(await probing()).toBe(true);
    const traceRuleIn = Object.values(await netfilterSnapshot(nodeExec)).some((text) => text.includes('kpx-trace:'));
    expect(traceRuleIn).toBe(modeCase.mode === 'nftables' || modeCase.backend === 'nft');
    running.kill('SIGINT');
    const exit = await running.exited;
    expect(exit.code, exit.stderr).toBe(130);
    expect(await netfilterSnapshot(nodeExec)).toEqual(before);
  });
});
