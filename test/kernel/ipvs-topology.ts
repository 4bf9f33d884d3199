// For the ipvs-*.vm-script.ts files, inside the kernel VM: a "node" namespace that kpx
// programs, two "pod" namespaces running ipvs-echo-server.ts (TCP 8080, UDP 5353) and a
// "client" namespace, each pod/client linked to the node by a veth pair. With `ipv6`, every link
// carries an IPv6 /64 beside its IPv4 /24 (added `nodad`, usable at once) and each pod runs a
// second echo server on its IPv6 address. Probes run this module as a script inside a namespace:
// `node ipvs-topology.ts probe tcp|udp HOST:PORT COUNT [timeoutMs]` (an IPv6 HOST in brackets).
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { realExec } from '@kpx/agent/sys/exec.ts';

export const NODE_IP = '10.240.3.1';
export const CLIENT_IP = '10.240.3.2';
export const POD_A_IP = '10.240.1.2';
export const POD_B_IP = '10.240.2.2';
export const NODE_IP6 = 'fd00:10:240:3::1';
export const CLIENT_IP6 = 'fd00:10:240:3::2';
export const POD_A_IP6 = 'fd00:10:240:1::2';
export const POD_B_IP6 = 'fd00:10:240:2::2';

export interface Topology {
  readonly nodeNs: string;
  readonly clientNs: string;
  readonly podNs: Readonly<Record<'pod-a' | 'pod-b', string>>;
  probe(from: string, kind: 'tcp' | 'udp', target: string, count: number, timeoutMs?: number): Promise<string[]>;
  teardown(): Promise<void>;
}

export async function sh(...argv: string[]): Promise<string> {
  const result = await realExec({ file: argv[0] ?? '', args: argv.slice(1) });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} → ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}

export async function buildTopology(prefix: string, options: { readonly ipv6?: boolean } = {}): Promise<Topology> {
  const nodeNs = `${prefix}-node`;
  const clientNs = `${prefix}-c`;
  const pods = [
    { name: 'pod-a', ns: `${prefix}-a`, subnet: '10.240.1', subnet6: 'fd00:10:240:1' },
    { name: 'pod-b', ns: `${prefix}-b`, subnet: '10.240.2', subnet6: 'fd00:10:240:2' },
  ] as const;
  const addIPv6 = async (ns: string, hostSide: string, subnet6: string): Promise<void> => {
    await sh('ip', '-n', nodeNs, '-6', 'addr', 'add', `${subnet6}::1/64`, 'dev', hostSide, 'nodad');
    await sh('ip', '-n', ns, '-6', 'addr', 'add', `${subnet6}::2/64`, 'dev', 'eth0', 'nodad');
    await sh('ip', '-n', ns, '-6', 'route', 'add', 'default', 'via', `${subnet6}::1`);
  };
  const startEchoServer = async (name: string, ns: string, address: string): Promise<void> => {
    const server = path.join(import.meta.dirname, 'ipvs-echo-server.ts');
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, server, name, address, '8080', '5353'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  };
  const children: ChildProcess[] = [];
  const link = async (ns: string, hostSide: string, nodeAddress: string, podAddress: string): Promise<void> => {
    await sh('ip', 'netns', 'add', ns);
    await sh('ip', '-n', nodeNs, 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await sh('ip', '-n', nodeNs, 'addr', 'add', `${nodeAddress}/24`, 'dev', hostSide);
    await sh('ip', '-n', nodeNs, 'link', 'set', hostSide, 'up');
    await sh('ip', '-n', ns, 'addr', 'add', `${podAddress}/24`, 'dev', 'eth0');
    await sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    await sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
    await sh('ip', '-n', ns, 'route', 'add', 'default', 'via', nodeAddress);
  };
  await sh('ip', 'netns', 'add', nodeNs);
  await sh('ip', '-n', nodeNs, 'link', 'set', 'lo', 'up');
  for (const pod of pods) {
    await link(pod.ns, `v-${pod.name}`, `${pod.subnet}.1`, `${pod.subnet}.2`);
    await startEchoServer(pod.name, pod.ns, `${pod.subnet}.2`);
    if (options.ipv6 === true) {
      await addIPv6(pod.ns, `v-${pod.name}`, pod.subnet6);
      await startEchoServer(pod.name, pod.ns, `${pod.subnet6}::2`);
    }
  }
  await link(clientNs, 'v-client', NODE_IP, CLIENT_IP);
  if (options.ipv6 === true) await addIPv6(clientNs, 'v-client', 'fd00:10:240:3');
  return {
    nodeNs,
    clientNs,
    podNs: { 'pod-a': pods[0].ns, 'pod-b': pods[1].ns },
    async probe(from, kind, target, count, timeoutMs = 3000) {
      const out = await sh('ip', 'netns', 'exec', from, process.execPath, import.meta.filename, 'probe', kind, target, String(count), String(timeoutMs));
      return JSON.parse(out) as string[];
    },
    async teardown() {
      for (const child of children) child.kill();
      for (const ns of [clientNs, ...pods.map((pod) => pod.ns), nodeNs]) await realExec({ file: 'ip', args: ['netns', 'del', ns] });
    },
  };
}

function askTcp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', (error) => resolve(`error:${(error as NodeJS.ErrnoException).code ?? error.message}`));
    socket.on('timeout', () => (socket.destroy(), resolve('timeout')));
  });
}

function askUdp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    // A fresh socket (source port) per question: each is a new IPVS connection.
    const socket = dgram.createSocket(net.isIP(host) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => (socket.close(), resolve('timeout')), timeoutMs);
    socket.on('message', (message) => (clearTimeout(timer), socket.close(), resolve(message.toString())));
    socket.send('who', port, host);
  });
}

if (process.argv[1] === import.meta.filename && process.argv[2] === 'probe') {
  const [kind, target, count, timeoutMs] = process.argv.slice(3);
  const [, host, port] = /^\[?([^\]]*)\]?:(\d+)$/.exec(target ?? '') ?? [];
  const answers: string[] = [];
  for (let index = 0; index < Number(count); index += 1) {
    const ask = kind === 'tcp' ? askTcp : askUdp;
    answers.push(await ask(host ?? '', Number(port), Number(timeoutMs)));
  }
  process.stdout.write(JSON.stringify(answers));
}
