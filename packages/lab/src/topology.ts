// The lab's cluster, built out of network namespaces. Every link is created directly between
// two of these namespaces (never in the root namespace), so no namespace has a route to the
// host's uplink, and every address exists only inside them.
//
//   PREFIX-client 10.250.0.100 ─┐
//   PREFIX-node1  10.250.0.11  ─┼─ br0 in PREFIX-sw (the node network, 10.250.0.0/24)
//   PREFIX-node2  10.250.0.12  ─┘
//   PREFIX-node1: cbr0 10.244.1.1/24 ── PREFIX-pod-a 10.244.1.10, PREFIX-pod-b 10.244.1.11
//   PREFIX-node2: cbr0 10.244.2.1/24 ── PREFIX-pod-c 10.244.2.10, PREFIX-pod-d 10.244.2.11
//   The cluster CIDR 10.244.0.0/16 is split per node and carried between the nodes by the pod
//   network (pod-network.ts: routed, a vxlan overlay, or ipip). The client reaches the service
//   and load-balancer ranges through node1, as through a router.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { addNetns, execInNetns, listNetns } from '@kpx/agent/sys/netns.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import { addBridge, addVethPair, configureInterface, destroyNamespace, enslave, ip } from './netns-wiring.ts';
import { addIpipTunnel, podMtu, routeToPeer, type LabNetwork } from './pod-network.ts';
import { createVtep, flannelAnnotations, programVxlanPeers } from './vxlan-overlay.ts';
import { labNodeObject } from './node-object.ts';

export const LAB_CLUSTER_CIDR = '10.244.0.0/16';
export const LAB_SERVICE_CIDR = '10.96.0.0/16';
export const LAB_LOAD_BALANCER_CIDR = '10.251.0.0/24';
/** Every lab's namespaces start with this, then a random tag: `kpxlab-1a2b3c-node1`. */
export const LAB_PREFIX_BASE = 'kpxlab';

export interface LabNode {
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  readonly podCIDR: string;
  /** The Node object's annotations (the vxlan network's flannel VTEP data). */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface LabPod {
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  readonly nodeName: string;
}

export interface LabTopology {
  readonly prefix: string;
  readonly network: LabNetwork;
  /** Every pod's eth0 MTU. */
  readonly podMtu: number;
  /** The sysctls the lab wrote, `name=value (where)`. */
  readonly sysctls: readonly string[];
  readonly nodes: readonly [LabNode, LabNode];
  readonly pods: readonly LabPod[];
  readonly client: { readonly netns: string; readonly ip: string };
  /** Every namespace created, the switch included. */
  readonly namespaces: readonly string[];
  teardown(): Promise<void>;
}

export function newLabPrefix(): string {
  return `${LAB_PREFIX_BASE}-${randomBytes(3).toString('hex')}`;
}

/** A lab's own folder for its tools' files (nginx's prefix, the wrk script): /tmp/PREFIX. */
export function labTempDir(prefix: string): string {
  return join(tmpdir(), prefix);
}

/** Each running lab records its process id here, so that another lab leaves it alone. */
const OWNER_DIR = '/run/kpx-lab';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerIsAlive(prefix: string): Promise<boolean> {
  const text = await readFile(join(OWNER_DIR, prefix), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 && pid !== process.pid && isAlive(pid);
}

/** `kpxlab-1a2b3c-node1` → `kpxlab-1a2b3c`. */
function labPrefixOf(netns: string, base: string): string | undefined {
  return new RegExp(`^(${base}-[0-9a-f]{6})-`).exec(netns)?.[1];
}

/**
 * A crashed lab's `kpx run --netns PREFIX-nodeN` daemons live in the root namespace and
 * outlive it: they are found by that exact argument in /proc and killed.
 */
async function killOrphanedDaemons(namespaces: ReadonlySet<string>): Promise<void> {
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const netnsIndex = argv.indexOf('--netns');
    const target = netnsIndex >= 0 ? argv[netnsIndex + 1] : undefined;
    if (target === undefined || !namespaces.has(target) || !argv.includes('run')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Removes the namespaces of labs whose process is gone (a crashed or killed run), leaving
 * labs that are still running alone; returns the names removed.
 */
export async function cleanupLabLeftovers(exec: Exec, base: string = LAB_PREFIX_BASE): Promise<string[]> {
  if (base.length < 4) throw new Error(`refusing to clean up namespaces with the short prefix ${JSON.stringify(base)}`);
  const removed: string[] = [];
  const alive = new Map<string, boolean>();
  for (const netns of await listNetns(exec)) {
    const prefix = labPrefixOf(netns, base);
    if (prefix === undefined) continue;
    if (!alive.has(prefix)) alive.set(prefix, await ownerIsAlive(prefix));
    if (alive.get(prefix) === true) continue;
    await destroyNamespace(exec, netns);
    removed.push(netns);
  }
  for (const [prefix, isRunning] of alive) {
    if (isRunning) continue;
    await rm(join(OWNER_DIR, prefix), { force: true });
    await rm(labTempDir(prefix), { recursive: true, force: true });
  }
  if (removed.length > 0) await killOrphanedDaemons(new Set(removed));
  return removed;
}

const NODES = [
  { name: 'node1', ip: '10.250.0.11', bridge: '10.244.1.1', podCIDR: '10.244.1.0/24' },
  { name: 'node2', ip: '10.250.0.12', bridge: '10.244.2.1', podCIDR: '10.244.2.0/24' },
] as const;
const PODS = [
  { name: 'pod-a', node: 0, ip: '10.244.1.10' },
  { name: 'pod-b', node: 0, ip: '10.244.1.11' },
  { name: 'pod-c', node: 1, ip: '10.244.2.10' },
  { name: 'pod-d', node: 1, ip: '10.244.2.11' },
] as const;
const CLIENT_IP = '10.250.0.100';

type WiredNode = (typeof NODES)[number] & { readonly netns: string };

/** Carries each node's pod CIDR to the other: returns the Node annotations the network publishes. */
async function wirePodNetwork(exec: Exec, network: LabNetwork, nodes: readonly WiredNode[]): Promise<Record<string, string>[]> {
  const annotations: Record<string, string>[] = nodes.map(() => ({}));
  for (const [index, node] of nodes.entries()) {
    const other = nodes[1 - index];
    if (other === undefined) continue;
    if (network === 'routed') await routeToPeer(exec, node.netns, { podCIDR: other.podCIDR, nodeIp: other.ip });
    if (network === 'ipip') await addIpipTunnel(exec, node.netns, node.bridge, { podCIDR: other.podCIDR, nodeIp: other.ip });
    if (network === 'vxlan') annotations[index] = flannelAnnotations(await createVtep(exec, node.netns, node.ip, node.podCIDR), node.ip);
  }
  if (network === 'vxlan') {
    // Each node's "flannel" reads the Node objects, as the real one watches them.
    const objects = nodes.map((node, index) => labNodeObject({ name: node.name, ip: node.ip, podCIDR: node.podCIDR, annotations: annotations[index] ?? {} }));
    for (const node of nodes) {
      const programmed = await programVxlanPeers(exec, node.netns, node.name, objects);
      if (programmed !== nodes.length - 1) throw new Error(`vxlan: ${node.name} programmed ${programmed} peers of ${nodes.length - 1}`);
    }
  }
  return annotations;
}

async function wire(exec: Exec, prefix: string, network: LabNetwork): Promise<Record<string, string>[]> {
  const sw = `${prefix}-sw`;
  await addBridge(exec, sw, 'br0');
  const wired = NODES.map((node) => ({ ...node, netns: `${prefix}-${node.name}` }));
  for (const [index, node] of wired.entries()) {
    await addVethPair(exec, node.netns, 'eth0', sw, `n${index}`);
    await enslave(exec, sw, `n${index}`, 'br0', false);
    await configureInterface(exec, node.netns, 'eth0', `${node.ip}/24`);
    await addBridge(exec, node.netns, 'cbr0', `${node.bridge}/24`);
    // Nodes have no default route (no uplink): traffic a node itself sends to a service
    // address needs a route before NAT rewrites it.
    await ip(exec, '-n', node.netns, 'route', 'add', LAB_SERVICE_CIDR, 'dev', 'eth0');
    await execSysctl(execInNetns(exec, node.netns)).write('net.ipv4.ip_forward', '1');
  }
  const annotations = await wirePodNetwork(exec, network, wired);
  const mtu = String(podMtu(network));
  for (const pod of PODS) {
    const node = NODES[pod.node];
    if (node === undefined) continue;
    const port = `v${pod.name}`;
    await addVethPair(exec, `${prefix}-${pod.name}`, 'eth0', `${prefix}-${node.name}`, port);
    await ip(exec, '-n', `${prefix}-${pod.name}`, 'link', 'set', 'eth0', 'mtu', mtu);
    await ip(exec, '-n', `${prefix}-${node.name}`, 'link', 'set', port, 'mtu', mtu);
    await enslave(exec, `${prefix}-${node.name}`, port, 'cbr0', true);
    await configureInterface(exec, `${prefix}-${pod.name}`, 'eth0', `${pod.ip}/24`, node.bridge);
  }
  const client = `${prefix}-client`;
  await addVethPair(exec, client, 'eth0', sw, 'cl0');
  await enslave(exec, sw, 'cl0', 'br0', false);
  await configureInterface(exec, client, 'eth0', `${CLIENT_IP}/24`);
  const gateway = NODES[0].ip;
  await ip(exec, '-n', client, 'route', 'add', LAB_SERVICE_CIDR, 'via', gateway);
  await ip(exec, '-n', client, 'route', 'add', LAB_LOAD_BALANCER_CIDR, 'via', gateway);
  return annotations;
}

export async function buildLabTopology(exec: Exec, network: LabNetwork = 'routed', prefix: string = newLabPrefix()): Promise<LabTopology> {
  const namespaces = [`${prefix}-sw`, ...NODES.map((n) => `${prefix}-${n.name}`), ...PODS.map((p) => `${prefix}-${p.name}`), `${prefix}-client`];
  const created: string[] = [];
  const teardown = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const netns of created) await destroyNamespace(exec, netns).catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw new AggregateError(errors, `teardown of ${prefix} failed`);
    await rm(join(OWNER_DIR, prefix), { force: true });
  };
  await mkdir(OWNER_DIR, { recursive: true });
  await writeFile(join(OWNER_DIR, prefix), `${process.pid}\n`);
  let annotations: Record<string, string>[] = [];
  try {
    for (const netns of namespaces) {
      await addNetns(exec, netns);
      created.push(netns);
      await ip(exec, '-n', netns, 'link', 'set', 'lo', 'up');
      // The new-connection test opens tens of thousands of connections to one address and port:
      // without reusing TIME_WAIT ports it measures the ephemeral port range, not the dataplane
      // (a relay's upstream side ran out within two seconds).
      await execSysctl(execInNetns(exec, netns)).write('net.ipv4.tcp_tw_reuse', '1');
    }
    annotations = await wire(exec, prefix, network);
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
  const nodes = NODES.map((n, index) => ({ name: n.name, netns: `${prefix}-${n.name}`, ip: n.ip, podCIDR: n.podCIDR, annotations: annotations[index] ?? {} }));
  const [first, second] = nodes;
  if (first === undefined || second === undefined) throw new Error('the lab has two nodes');
  return {
    prefix,
    network,
    podMtu: podMtu(network),
    sysctls: [`net.ipv4.tcp_tw_reuse=1 (every namespace)`, `net.ipv4.ip_forward=1 (nodes)`],
    nodes: [first, second],
    pods: PODS.map((p) => ({ name: p.name, netns: `${prefix}-${p.name}`, ip: p.ip, nodeName: NODES[p.node].name })),
    client: { netns: `${prefix}-client`, ip: CLIENT_IP },
    namespaces,
    teardown,
  };
}
