// The userspace dataplane in the e2e topology (test/helpers/topology.ts): kpx runs as a child
// process inside the node namespace, service IPs become local on its kpx-svc0, and pods, the
// node and an outside client send real traffic. Needs root and iproute2. Plans are computed
// here and sent to the child as JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import { planUserspace } from '@kpx/agent/modes/userspace/plan.ts';
import { execOk } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../helpers/state-builders.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';
import { buildTopology, countByPod, uniquePrefix, type Topology, type TopologyPod } from '../helpers/topology.ts';

const describeAsRoot = describeNeedingRoot();
const ECHO_PORT = 8080;
const WEB_IP = '10.96.0.10';
const DNS_IP = '10.96.0.53';
const EMPTY_IP = '10.96.0.99';
const STICKY_IP = '10.96.0.20';
const EXTERNAL_IP = '192.0.2.10';
// Longer than the 250 ms default: a session ends when its echo server answers slower than the
// idle timeout, which a CI machine busy with kernel VMs can make it. This file tests spreading,
// not expiry; expiry is tested on loopback (userspace-loopback.test.ts).
const UDP_IDLE_TIMEOUT_MS = 3_000;
const WEB_NODE_PORT = 30080;

const CHILD_SCRIPT = `
import { createInterface } from 'node:readline';
const root = process.argv[1];
const { userspaceMode } = await import(root + '/packages/agent/src/modes/userspace/index.ts');
const { dataplaneSettings } = await import(root + '/test/helpers/dataplane-settings.ts');
const { realExec } = await import(root + '/packages/agent/src/sys/exec.ts');
const { silentLogger } = await import(root + '/packages/agent/src/log.ts');
const dataplane = userspaceMode.open({ exec: realExec, clock: { now: () => Date.now() }, log: silentLogger() }, dataplaneSettings(JSON.parse(process.argv[2])));
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
await dataplane.setup();
reply({ ok: true, ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  try {
    if (request.op === 'apply') reply({ ok: true, figures: (await dataplane.apply(request.plan)).figures });
    else if (request.op === 'cleanup') { await dataplane.cleanup(); reply({ ok: true }); }
    else reply({ ok: true, text: (await dataplane.observe()).text });
  } catch (error) {
    reply({ ok: false, error: String(error) });
  }
}
`;

interface KpxChild {
  request(message: object): Promise<{ ok: boolean; error?: string; figures?: Record<string, number>; text?: string }>;
  stop(): void;
}

async function startKpx(netns: string): Promise<KpxChild> {
  const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', CHILD_SCRIPT, root, JSON.stringify({ udpIdleTimeoutMs: UDP_IDLE_TIMEOUT_MS })],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? '{"ok":false,"error":"kpx exited"}');
  const ready = await next();
  if (ready.ok !== true) throw new Error(`kpx did not start: ${JSON.stringify(ready)}`);
  return {
    async request(message) {
      child.stdin!.write(`${JSON.stringify(message)}\n`);
      return next();
    },
    stop: () => child.kill('SIGKILL'),
  };
}

function endpointsOf(pods: readonly TopologyPod[]) {
  return pods.map((pod) => makeEndpoint(pod.ip, ECHO_PORT, (endpoint) => (endpoint.isLocal = pod.isLocal)));
}

function desiredState(topology: Topology, webPods: readonly TopologyPod[] = topology.pods): DesiredState {
  const ports: ServicePort[] = [
    makeServicePort('ns1', 'web', 'http', (port) => {
      port.clusterIP = WEB_IP;
      port.nodePort = WEB_NODE_PORT;
      port.externalIPs = [EXTERNAL_IP];
      port.endpoints = endpointsOf(webPods);
    }),
    makeServicePort('ns1', 'dns', 'dns', (port) => {
      port.protocol = 'UDP';
      port.clusterIP = DNS_IP;
      port.port = 53;
      port.endpoints = endpointsOf(topology.pods);
    }),
    makeServicePort('ns1', 'sticky', '', (port) => {
      port.clusterIP = STICKY_IP;
      port.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 60 };
      port.endpoints = endpointsOf(topology.pods);
    }),
    makeServicePort('ns1', 'empty', 'http', (port) => (port.clusterIP = EMPTY_IP)),
  ];
  return makeState(
    ports,
    makeNodeContext((node) => (node.nodeIPs = [topology.node.ip])),
  );
}

describeAsRoot('userspace dataplane in network namespaces', () => {
  let topology: Topology;
  let kpx: KpxChild;

  async function apply(state: DesiredState): Promise<Record<string, number>> {
    const result = await kpx.request({ op: 'apply', plan: planUserspace(state) });
    expect(result.ok, result.error).toBe(true);
    return result.figures ?? {};
  }

  beforeAll(async () => {
    topology = await buildTopology(uniquePrefix('kpxu'));
    await topology.startEchoServers([ECHO_PORT]);
    // The outside client reaches the external IP through the node, as a router would send it.
    await execOk(topology.execIn(topology.client.netns), { file: 'ip', args: ['route', 'add', `${EXTERNAL_IP}/32`, 'via', topology.node.ip] });
    kpx = await startKpx(topology.node.netns);
    await apply(desiredState(topology));
  }, 120_000);

  afterAll(async () => {
    kpx?.stop();
    await topology?.teardown();
  });

  it.each([
    ['a local pod', 0],
    ['the node itself', -1],
  ])(
    'ClusterIP TCP from %s spreads over every endpoint',
    async (_label, podIndex) => {
      const from = podIndex < 0 ? topology.node.netns : topology.pods[podIndex]!.netns;
      const counts = countByPod(await topology.probe(from, { proto: 'tcp', host: WEB_IP, port: 80, count: 300 }));
      expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
      for (const count of Object.values(counts)) expect(count).toBe(100);
    },
    60_000,
  );

  it('ClusterIP UDP spreads sessions over every endpoint, replies come from the service IP', async () => {
    // The probe's UDP socket is connected to DNS_IP:53: a reply from any other source is dropped.
    const counts = countByPod(await topology.probe(topology.pods[1]!.netns, { proto: 'udp', host: DNS_IP, port: 53, count: 300 }));
    expect(Object.keys(counts).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    // Not exactly 100 each: a fresh probe socket may get the port of one closed within the
    // session timeout, and then rightly lands in that session.
    for (const count of Object.values(counts)) expect(count).toBeGreaterThanOrEqual(80);
  }, 60_000);

  it('hairpin: a pod reaches itself through its service', async () => {
    const counts = countByPod(await topology.probe(topology.pods[0]!.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 30 }));
    expect(counts['pod-a']).toBe(10);
  });

  it.each([
    ['NodePort on the node IP', () => topology.node.ip, WEB_NODE_PORT],
    ['an external IP routed to the node', () => EXTERNAL_IP, 80],
  ])('%s from a client outside the cluster', async (_label, host, port) => {
    const counts = countByPod(await topology.probe(topology.client.netns, { proto: 'tcp', host: host(), port, count: 30 }));
    expect(counts).toEqual({ 'pod-a': 10, 'pod-b': 10, 'pod-c': 10 });
  });

  it('ClientIP affinity keeps a client on one endpoint', async () => {
    const counts = countByPod(await topology.probe(topology.pods[1]!.netns, { proto: 'tcp', host: STICKY_IP, port: 80, count: 30 }));
    expect(Object.values(counts)).toEqual([30]);
  });

  it('a service without endpoints is refused at once, TCP and UDP', async () => {
    const tcp = await topology.probe(topology.pods[0]!.netns, { proto: 'tcp', host: EMPTY_IP, port: 80, count: 5, timeoutMs: 2000 });
    const udp = await topology.probe(topology.pods[0]!.netns, { proto: 'udp', host: EMPTY_IP, port: 80, count: 5, timeoutMs: 2000 });
    for (const attempt of [...tcp, ...udp]) {
      expect(attempt.error).toBe('ECONNREFUSED');
      // Far under the probe's 2 s timeout; not tighter, so that a busy CI machine cannot fail it.
      expect(attempt.ms).toBeLessThan(1000);
    }
  });

  it('endpoint removal: traffic moves off the removed pod as soon as apply returns', async () => {
    const remaining = topology.pods.filter((pod) => pod.name !== 'pod-c');
    const started = performance.now();
    await apply(desiredState(topology, remaining));
    const applyMs = performance.now() - started;
    const counts = countByPod(await topology.probe(topology.client.netns, { proto: 'tcp', host: topology.node.ip, port: WEB_NODE_PORT, count: 40 }));
    expect(counts).toEqual({ 'pod-a': 20, 'pod-b': 20 });
    console.info(`[userspace e2e] endpoint removal applied in ${applyMs.toFixed(1)} ms`);
    await apply(desiredState(topology));
  });

  it('observe lists every listener; cleanup closes them and removes kpx-svc0', async () => {
    const observed = await kpx.request({ op: 'observe' });
    expect(observed.text).toContain(`TCP/${WEB_IP}:80 ns1/web:http listening`);
    expect(observed.text).toContain(`TCP/${EMPTY_IP}:80 ns1/empty:http not listening`);
    expect((await kpx.request({ op: 'cleanup' })).ok).toBe(true);
    const links = await execOk(topology.execIn(topology.node.netns), { file: 'ip', args: ['-o', 'link', 'show'] });
    expect(links.stdout).not.toContain('kpx-svc0');
    const attempts = await topology.probe(topology.pods[0]!.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 1, timeoutMs: 500 });
    expect(attempts[0]?.reply).toBeUndefined();
  });
});
