// flannel's vxlan backend, as its daemon programs a node: a VTEP device `flannel.1` (VNI 1,
// UDP 8472, no learning) whose MAC and the node's address are published on the Node object
// (flannel.alpha.coreos.com/backend-data, …/public-ip); every other Node's pod CIDR is then
// routed through the VTEP to that node's VTEP address (the CIDR's .0), with a permanent
// neighbour entry (address → VtepMAC) and an FDB entry (VtepMAC → public IP).
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { ip } from './netns-wiring.ts';

export const VXLAN_DEVICE = 'flannel.1';
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
/** Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 bytes. */
export const VXLAN_OVERHEAD_BYTES = 50;
export const BACKEND_DATA_ANNOTATION = 'flannel.alpha.coreos.com/backend-data';
export const PUBLIC_IP_ANNOTATION = 'flannel.alpha.coreos.com/public-ip';
export const BACKEND_TYPE_ANNOTATION = 'flannel.alpha.coreos.com/backend-type';

export function flannelAnnotations(vtepMac: string, publicIp: string): Record<string, string> {
  return {
    [BACKEND_DATA_ANNOTATION]: JSON.stringify({ VNI: VXLAN_VNI, VtepMAC: vtepMac }),
    [BACKEND_TYPE_ANNOTATION]: 'vxlan',
    [PUBLIC_IP_ANNOTATION]: publicIp,
  };
}

/** flannel's VTEP address on a node: the network address of its pod CIDR (10.244.2.0/24 → 10.244.2.0). */
export function vtepAddress(podCIDR: string): string {
  return podCIDR.split('/')[0] ?? podCIDR;
}

export interface VxlanPeer {
  readonly node: string;
  readonly podCIDR: string;
  readonly vtepMac: string;
  readonly publicIp: string;
}

/** The peers a node's flannel would program: every other Node with a pod CIDR and vxlan annotations; the others are skipped as flannel does. */
export function vxlanPeers(self: string, nodes: readonly RawObject[]): VxlanPeer[] {
  const peers: VxlanPeer[] = [];
  for (const node of nodes) {
    const metadata = node['metadata'] as { name?: string; annotations?: Record<string, string> } | undefined;
    const spec = node['spec'] as { podCIDR?: string } | undefined;
    const name = metadata?.name;
    const podCIDR = spec?.podCIDR;
    const publicIp = metadata?.annotations?.[PUBLIC_IP_ANNOTATION];
    const data = metadata?.annotations?.[BACKEND_DATA_ANNOTATION];
    if (name === undefined || name === self || podCIDR === undefined || publicIp === undefined || data === undefined) continue;
    let parsed: { VNI?: unknown; VtepMAC?: unknown };
    try {
      parsed = JSON.parse(data) as typeof parsed;
    } catch {
      continue;
    }
    if (parsed.VNI !== VXLAN_VNI || typeof parsed.VtepMAC !== 'string') continue;
    peers.push({ node: name, podCIDR, vtepMac: parsed.VtepMAC, publicIp });
  }
  return peers;
}

/** The iproute2 commands (argv after `ip -n NETNS` / `bridge -n NETNS`) that program one peer. */
export function vxlanPeerCommands(peer: VxlanPeer): { readonly file: 'ip' | 'bridge'; readonly args: readonly string[] }[] {
  const gateway = vtepAddress(peer.podCIDR);
  return [
    { file: 'ip', args: ['neigh', 'replace', gateway, 'lladdr', peer.vtepMac, 'dev', VXLAN_DEVICE, 'nud', 'permanent'] },
    { file: 'bridge', args: ['fdb', 'append', peer.vtepMac, 'dev', VXLAN_DEVICE, 'dst', peer.publicIp] },
    { file: 'ip', args: ['route', 'replace', peer.podCIDR, 'via', gateway, 'dev', VXLAN_DEVICE, 'onlink'] },
  ];
}

/** Creates the node's VTEP (up, its /32 VTEP address, MTU lowered by the overhead) and returns its MAC. */
export async function createVtep(exec: Exec, netns: string, nodeIp: string, podCIDR: string): Promise<string> {
  await ip(
    exec,
    '-n',
    netns,
    'link',
    'add',
    VXLAN_DEVICE,
    'type',
    'vxlan',
    'id',
    String(VXLAN_VNI),
    'local',
    nodeIp,
    'dev',
    'eth0',
    'dstport',
    String(VXLAN_PORT),
    'nolearning',
  );
  await ip(exec, '-n', netns, 'link', 'set', VXLAN_DEVICE, 'mtu', String(1500 - VXLAN_OVERHEAD_BYTES), 'up');
  await ip(exec, '-n', netns, 'addr', 'add', `${vtepAddress(podCIDR)}/32`, 'dev', VXLAN_DEVICE);
  const shown = await execOk(exec, { file: 'ip', args: ['-n', netns, '-j', 'link', 'show', VXLAN_DEVICE] });
  const mac = (JSON.parse(shown.stdout) as { address?: string }[])[0]?.address;
  if (mac === undefined) throw new Error(`${VXLAN_DEVICE} in ${netns} has no MAC address`);
  return mac;
}

/** Programs every peer the Node objects describe, as flannel's daemon on `self` would. */
export async function programVxlanPeers(exec: Exec, netns: string, self: string, nodes: readonly RawObject[]): Promise<number> {
  const peers = vxlanPeers(self, nodes);
  for (const peer of peers) for (const command of vxlanPeerCommands(peer)) await execOk(exec, { file: command.file, args: ['-n', netns, ...command.args] });
  return peers.length;
}

export interface TunnelCounters {
  readonly txPackets: number;
  readonly rxPackets: number;
  readonly txBytes: number;
  readonly rxBytes: number;
}

/** `ip -s link` of a tunnel device: the packets it encapsulated (tx) and decapsulated (rx). */
export async function tunnelCounters(exec: Exec, netns: string, device: string): Promise<TunnelCounters | undefined> {
  const shown = await exec({ file: 'ip', args: ['-n', netns, '-s', '-j', 'link', 'show', device] });
  if (shown.exitCode !== 0) return undefined;
  const stats = (JSON.parse(shown.stdout) as { stats64?: { rx?: { bytes: number; packets: number }; tx?: { bytes: number; packets: number } } }[])[0]?.stats64;
  if (stats?.rx === undefined || stats.tx === undefined) return undefined;
  return { txPackets: stats.tx.packets, rxPackets: stats.rx.packets, txBytes: stats.tx.bytes, rxBytes: stats.rx.bytes };
}
