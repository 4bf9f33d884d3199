// A small cluster in network namespaces, for e2e tests. Nothing here touches the root
// namespace: every link is created directly between two of these namespaces, so no
// namespace has a route to the host's uplink, and the addresses (private test ranges)
// exist only inside them.
//
//   PREFIX-client 10.250.0.100 ─┐
//   PREFIX-node   10.250.0.10  ─┼─ br0 in PREFIX-sw (the "node network", 10.250.0.0/24)
//   PREFIX-rnode  10.250.0.20  ─┘
//   PREFIX-node:  cbr0 10.244.1.1/24 ── PREFIX-pod-a 10.244.1.10, PREFIX-pod-b 10.244.1.11
//   PREFIX-rnode: cbr0 10.244.2.1/24 ── PREFIX-pod-c 10.244.2.10  (routed both ways between nodes)
//   services: 10.96.0.0/16, routed from the node to the remote node, unreachable there
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { addBridge, addVethPair, configureInterface, destroyNamespace, enslave, ip } from '@kpx/lab/netns-wiring.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { addNetns, execInNetns, listNetns } from '@kpx/agent/sys/netns.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import type { Attempt } from './probe-client.ts';

export const CLUSTER_CIDR = '10.244.0.0/16';
export const NODE_NETWORK_CIDR = '10.250.0.0/24';
export const SERVICE_CIDR = '10.96.0.0/16';

export interface TopologyNode {
  readonly netns: string;
  readonly ip: string;
  readonly podCIDR: string;
  readonly gateway: string;
}

export interface TopologyPod {
  /** pod-a, pod-b (this node), pod-c (the remote node). */
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  /** Whether the pod runs on `node`, the node kpx programs. */
  readonly isLocal: boolean;
}

export interface Topology {
  readonly prefix: string;
  readonly node: TopologyNode;
  readonly remoteNode: TopologyNode;
  readonly client: { readonly netns: string; readonly ip: string };
  readonly pods: readonly TopologyPod[];
  /** Every namespace created, switch included. */
  readonly namespaces: readonly string[];
  execIn(netns: string): Exec;
  /** Starts an echo server (TCP and UDP on each port, on IPv6 too with `ipv6`) in every pod; resolves when all listen. */
  startEchoServers(ports: readonly number[], options?: { readonly ipv6?: boolean }): Promise<void>;
  /** Runs probe-client.ts inside `netns`. */
  probe(netns: string, options: ProbeOptions): Promise<Attempt[]>;
  teardown(): Promise<void>;
}

export interface ProbeOptions {
  readonly proto: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
  readonly count?: number;
  readonly timeoutMs?: number;
  readonly sourcePort?: number;
  readonly concurrency?: number;
}

const ECHO_SERVER = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
const PROBE_CLIENT = fileURLToPath(new URL('./probe-client.ts', import.meta.url));

/** A fresh prefix: short enough for namespace names, unique per run. */
/**
 * A TCP attempt fails fast (refused, reset) or connects; an unanswered UDP datagram only ever
 * times out, so a late answer (an echo server short of CPU while other test files run, e.g. the
 * 1 GiB transfer) reads as a lost one: one of 300 did in a CI run. Waiting longer for an answer
 * changes nothing a test asserts.
 */
function defaultProbeTimeoutMs(proto: 'tcp' | 'udp'): number {
  return proto === 'udp' ? 3_000 : 1_000;
}

export function uniquePrefix(base = 'kpxe'): string {
  return `${base}-${randomBytes(3).toString('hex')}`;
}

/** Removes every namespace named `PREFIX-…` (a crashed run's leftovers). Returns their names. */
export async function cleanupLeftovers(prefix: string, exec: Exec = realExec): Promise<string[]> {
  if (prefix.length < 4) throw new Error(`refusing to clean up namespaces with the short prefix ${JSON.stringify(prefix)}`);
  const leftovers = (await listNetns(exec)).filter((name) => name.startsWith(`${prefix}-`));
  for (const netns of leftovers) await destroyNamespace(exec, netns);
  return leftovers;
}

async function wire(exec: Exec, names: Record<'sw' | 'node' | 'rnode' | 'client' | 'podA' | 'podB' | 'podC', string>): Promise<void> {
  for (const netns of Object.values(names)) await ip(exec, '-n', netns, 'link', 'set', 'lo', 'up');
  await addBridge(exec, names.sw, 'br0');
  const uplinks = [
    [names.node, 'node0', '10.250.0.10/24'],
    [names.rnode, 'rnode0', '10.250.0.20/24'],
    [names.client, 'client0', '10.250.0.100/24'],
  ] as const;
  for (const [netns, port, address] of uplinks) {
    await addVethPair(exec, netns, 'eth0', names.sw, port);
    await enslave(exec, names.sw, port, 'br0');
    await configureInterface(exec, netns, 'eth0', address);
  }
  await addBridge(exec, names.node, 'cbr0', '10.244.1.1/24');
  await addBridge(exec, names.rnode, 'cbr0', '10.244.2.1/24');
  const pods = [
    [names.podA, names.node, 'vpod-a', '10.244.1.10/24', '10.244.1.1'],
    [names.podB, names.node, 'vpod-b', '10.244.1.11/24', '10.244.1.1'],
    [names.podC, names.rnode, 'vpod-c', '10.244.2.10/24', '10.244.2.1'],
  ] as const;
  for (const [pod, node, port, address, gateway] of pods) {
    await addVethPair(exec, pod, 'eth0', node, port);
    await enslave(exec, node, port, 'cbr0', true);
    await configureInterface(exec, pod, 'eth0', address, gateway);
  }
  await ip(exec, '-n', names.node, 'route', 'add', '10.244.2.0/24', 'via', '10.250.0.20');
  await ip(exec, '-n', names.rnode, 'route', 'add', '10.244.1.0/24', 'via', '10.250.0.10');
  // A node sends service traffic by its default route before NAT rewrites it; these nodes have
  // no default route (no uplink), so the service CIDR gets one, ending in the remote node.
  await ip(exec, '-n', names.node, 'route', 'add', SERVICE_CIDR, 'via', '10.250.0.20');
  await ip(exec, '-n', names.rnode, 'route', 'add', 'unreachable', SERVICE_CIDR);
  for (const node of [names.node, names.rnode]) await execSysctl(execInNetns(exec, node)).write('net.ipv4.ip_forward', '1');
}

function waitForReady(child: ChildProcess, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${label} did not start: ${output}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited ${code}: ${output}`));
    });
  });
}

export async function buildTopology(prefix: string = uniquePrefix(), exec: Exec = realExec): Promise<Topology> {
  const names = {
    sw: `${prefix}-sw`,
    node: `${prefix}-node`,
    rnode: `${prefix}-rnode`,
    client: `${prefix}-client`,
    podA: `${prefix}-pod-a`,
    podB: `${prefix}-pod-b`,
    podC: `${prefix}-pod-c`,
  };
  const namespaces = Object.values(names);
  const children: ChildProcess[] = [];
  const teardown = async (): Promise<void> => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    const errors: unknown[] = [];
    for (const netns of namespaces) await destroyNamespace(exec, netns).catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw new AggregateError(errors, `teardown of ${prefix} failed`);
  };
  try {
    for (const netns of namespaces) await addNetns(exec, netns);
    await wire(exec, names);
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
  const pods: TopologyPod[] = [
    { name: 'pod-a', netns: names.podA, ip: '10.244.1.10', isLocal: true },
    { name: 'pod-b', netns: names.podB, ip: '10.244.1.11', isLocal: true },
    { name: 'pod-c', netns: names.podC, ip: '10.244.2.10', isLocal: false },
  ];
  return {
    prefix,
    node: { netns: names.node, ip: '10.250.0.10', podCIDR: '10.244.1.0/24', gateway: '10.244.1.1' },
    remoteNode: { netns: names.rnode, ip: '10.250.0.20', podCIDR: '10.244.2.0/24', gateway: '10.244.2.1' },
    client: { netns: names.client, ip: '10.250.0.100' },
    pods,
    namespaces,
    execIn: (netns) => execInNetns(exec, netns),
    async startEchoServers(ports, options = {}) {
      const started = pods.map((pod) => {
        const args = ['netns', 'exec', pod.netns, process.execPath, ECHO_SERVER, '--name', pod.name, ...ports.flatMap((port) => ['--port', String(port)])];
        if (options.ipv6 === true) args.push('--ipv6');
        const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        return waitForReady(child, `echo server in ${pod.netns}`);
      });
      await Promise.all(started);
    },
    async probe(netns, options) {
      const args = [PROBE_CLIENT, '--proto', options.proto, '--host', options.host, '--port', String(options.port)];
      args.push('--count', String(options.count ?? 1), '--timeout-ms', String(options.timeoutMs ?? defaultProbeTimeoutMs(options.proto)));
      if (options.sourcePort !== undefined) args.push('--source-port', String(options.sourcePort));
      if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
      const result = await execOk(execInNetns(exec, netns), { file: process.execPath, args, timeoutMs: 120_000 });
      return JSON.parse(result.stdout) as Attempt[];
    },
    teardown,
  };
}

/** How many replies came from each pod name (the first word of a reply). */
export function countByPod(attempts: readonly Attempt[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const attempt of attempts) {
    const key = attempt.reply?.split(' ')[0] ?? `error:${attempt.error ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
