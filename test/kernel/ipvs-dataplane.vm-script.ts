// Inside the kernel VM: kpx's IPVS dataplane programs a "node" network namespace with real
// ipvsadm-restore / ipset / iptables-restore / ip, and real TCP and UDP traffic from a
// client namespace goes through a ClusterIP and a NodePort to echo servers in two "pod"
// namespaces. Prints one JSON object with what it saw; the host test asserts on it.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { realExec } from '../../src/sys/exec.ts';
import { silentLogger } from '../../src/log.ts';
import { createIpvsMode } from '../../src/modes/ipvs/index.ts';
import type { DesiredState } from '../../src/model/types.ts';
import { makeChangeSet, makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../helpers/state-builders.ts';

const PREFIX = `kpxv${process.pid}`;
const NODE_NS = `${PREFIX}-node`;
const NODE_IP = '10.240.3.1';
const CLIENT_IP = '10.240.3.2';
const PODS = [
  { name: 'pod-a', ns: `${PREFIX}-a`, subnet: '10.240.1' },
  { name: 'pod-b', ns: `${PREFIX}-b`, subnet: '10.240.2' },
] as const;
const CLIENT_NS = `${PREFIX}-c`;
const children: ChildProcess[] = [];

async function sh(...argv: string[]): Promise<string> {
  const result = await realExec({ file: argv[0] ?? '', args: argv.slice(1) });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} → ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

async function link(ns: string, hostSide: string, nodeAddress: string, podAddress: string): Promise<void> {
  await sh('ip', 'netns', 'add', ns);
  await sh('ip', '-n', NODE_NS, 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await sh('ip', '-n', NODE_NS, 'addr', 'add', `${nodeAddress}/24`, 'dev', hostSide);
  await sh('ip', '-n', NODE_NS, 'link', 'set', hostSide, 'up');
  await sh('ip', '-n', ns, 'addr', 'add', `${podAddress}/24`, 'dev', 'eth0');
  await sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
  await sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
  await sh('ip', '-n', ns, 'route', 'add', 'default', 'via', nodeAddress);
}

async function buildTopology(): Promise<void> {
  await sh('ip', 'netns', 'add', NODE_NS);
  await sh('ip', '-n', NODE_NS, 'link', 'set', 'lo', 'up');
  for (const pod of PODS) {
    await link(pod.ns, `v-${pod.name}`, `${pod.subnet}.1`, `${pod.subnet}.2`);
    const child = spawn('ip', ['netns', 'exec', pod.ns, process.execPath, path.join(import.meta.dirname, 'ipvs-echo-server.ts'), pod.name, `${pod.subnet}.2`, '8080', '5353'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  }
  await link(CLIENT_NS, 'v-client', NODE_IP, CLIENT_IP);
}

/** Runs this very script in the client namespace in `probe` mode; it prints the answers as JSON. */
async function probe(kind: 'tcp' | 'udp', target: string, count: number): Promise<string[]> {
  const out = await sh('ip', 'netns', 'exec', CLIENT_NS, process.execPath, import.meta.filename, 'probe', kind, target, String(count));
  return JSON.parse(out) as string[];
}

function askTcp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', (error) => resolve(`error:${(error as NodeJS.ErrnoException).code ?? error.message}`));
    socket.on('timeout', () => (socket.destroy(), resolve('timeout')));
  });
}

function askUdp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    // A fresh socket (source port) per question: each is a new IPVS connection.
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => (socket.close(), resolve('timeout')), 3000);
    socket.on('message', (message) => (clearTimeout(timer), socket.close(), resolve(message.toString())));
    socket.send('who', port, host);
  });
}

async function runProbe(kind: string, target: string, count: number): Promise<void> {
  const [host, port] = target.split(':');
  const answers: string[] = [];
  for (let index = 0; index < count; index += 1) {
    answers.push(kind === 'tcp' ? await askTcp(host ?? '', Number(port)) : await askUdp(host ?? '', Number(port)));
  }
  process.stdout.write(JSON.stringify(answers));
}

function desired(withBOnUdp: boolean, withBOnTcp: boolean): DesiredState {
  const node = makeNodeContext((n) => {
    n.nodeIPs = [NODE_IP];
    n.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] };
  });
  return makeState(
    [
      makeServicePort('default', 'web', 'http', (sp) => {
        sp.clusterIP = '10.96.0.10';
        sp.port = 80;
        sp.nodePort = 30080;
        sp.endpoints.push(makeEndpoint('10.240.1.2', 8080));
        if (withBOnTcp) sp.endpoints.push(makeEndpoint('10.240.2.2', 8080));
      }),
      makeServicePort('default', 'dns', 'dns', (sp) => {
        sp.clusterIP = '10.96.0.53';
        sp.port = 53;
        sp.protocol = 'UDP';
        sp.endpoints.push(makeEndpoint('10.240.1.2', 5353));
        if (withBOnUdp) sp.endpoints.push(makeEndpoint('10.240.2.2', 5353));
      }),
    ],
    node,
  );
}

const report: Record<string, unknown> = {};

async function main(): Promise<void> {
  await buildTopology();
  const mode = createIpvsMode({ gracefulTerminationTimeoutMs: 60_000 }, { netns: NODE_NS });
  let now = 0;
  const dataplane = mode.open({ exec: realExec, clock: { now: () => now }, log: silentLogger() });
  await dataplane.setup();
  const first = desired(false, true);
  const firstReport = await dataplane.apply(mode.plan(first));
  report.fullSync = firstReport.figures;
  report.saveAfterFull = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');
  report.clusterTcp = await probe('tcp', '10.96.0.10:80', 10);
  report.nodePortTcp = await probe('tcp', `${NODE_IP}:30080`, 4);
  report.clusterUdpBefore = await probe('udp', '10.96.0.53:53', 4);

  // One endpoint joins the UDP service: one line of ipvsadm-restore input, nothing else.
  const second = desired(true, true);
  const started = performance.now();
  const secondReport = await dataplane.apply(mode.plan(second, makeChangeSet(first, second)));
  report.oneEndpointMs = performance.now() - started;
  report.oneEndpoint = secondReport.figures;
  report.clusterUdpAfter = await probe('udp', '10.96.0.53:53', 6);

  // pod-b leaves the TCP service: weight 0 on both of its virtual servers; the closed
  // connections of the probes (TIME_WAIT, InActConn) keep it there until the timeout.
  now = 1000;
  const third = desired(true, false);
  const thirdReport = await dataplane.apply(mode.plan(third, makeChangeSet(second, third)));
  report.removal = thirdReport.figures;
  report.saveAfterRemoval = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');
  report.listAfterRemoval = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm', '-Ln');
  report.clusterTcpAfterRemoval = await probe('tcp', '10.96.0.10:80', 4);
  now = 1000 + 60_000;
  const drainReport = await dataplane.apply(mode.plan(third, makeChangeSet(third, third)));
  report.drainTimeout = drainReport.figures;
  report.saveAfterDrain = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');

  // A full resync with nothing changed writes nothing to IPVS or ipsets.
  const resync = await dataplane.apply(mode.plan(third));
  report.resync = resync.figures;
  report.observe = (await dataplane.observe()).text;
  await dataplane.cleanup();
  report.saveAfterCleanup = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');
  report.setsAfterCleanup = await sh('ip', 'netns', 'exec', NODE_NS, 'ipset', 'list', '-n');
}

async function teardown(): Promise<void> {
  for (const child of children) child.kill();
  for (const ns of [CLIENT_NS, ...PODS.map((pod) => pod.ns), NODE_NS]) await realExec({ file: 'ip', args: ['netns', 'del', ns] });
}

if (process.argv[2] === 'probe') {
  await runProbe(process.argv[3] ?? '', process.argv[4] ?? '', Number(process.argv[5]));
} else {
  try {
    await main();
  } catch (error) {
    report.error = error instanceof Error ? `${error.stack ?? error.message}\n${JSON.stringify((error as { context?: unknown }).context)}` : String(error);
    report.kernelAtError = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n').catch(String);
    process.exitCode = 1;
  } finally {
    process.stdout.write(JSON.stringify(report));
    await teardown();
  }
}
