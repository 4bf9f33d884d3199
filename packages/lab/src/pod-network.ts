// The pod networks the lab can build between its two nodes, as the CNI plugins people run do:
//   routed  each node routes the other's pod CIDR via that node's address (kubenet, host-gw)
//   vxlan   flannel's vxlan backend: a VTEP per node (VNI 1, UDP 8472), peers programmed from
//           the Node objects' pod CIDR and flannel annotations, pod MTU lowered by 50 bytes
//   ipip    Calico's IP-in-IP: tunl0, a route per peer pod block via the peer's node address
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { ip, withProbeNamespace } from './netns-wiring.ts';
import { VXLAN_OVERHEAD_BYTES } from './vxlan-overlay.ts';

export const LAB_NETWORKS = ['routed', 'vxlan', 'ipip'] as const;
export type LabNetwork = (typeof LAB_NETWORKS)[number];

/** Outer IPv4 header: what IP-in-IP adds to every packet. */
export const IPIP_OVERHEAD_BYTES = 20;
export const NODE_MTU = 1500;

export function podMtu(network: LabNetwork): number {
  if (network === 'vxlan') return NODE_MTU - VXLAN_OVERHEAD_BYTES;
  if (network === 'ipip') return NODE_MTU - IPIP_OVERHEAD_BYTES;
  return NODE_MTU;
}

/** The device that carries pod traffic between the nodes. */
export function tunnelDevice(network: LabNetwork): string | undefined {
  if (network === 'vxlan') return 'flannel.1';
  if (network === 'ipip') return 'tunl0';
  return undefined;
}

/**
 * Why `network` cannot be built on this kernel, or undefined: the device type is probed in a
 * throwaway namespace of the lab's own (a kernel without the driver answers "Unknown device type").
 */
export async function networkUnavailableReason(exec: Exec, network: LabNetwork, prefixBase: string): Promise<string | undefined> {
  if (network === 'routed') return undefined;
  return withProbeNamespace(exec, prefixBase, async (netns) => {
    const args = network === 'vxlan' ? ['link', 'add', 'probe0', 'type', 'vxlan', 'id', '1', 'dstport', '8472'] : ['link', 'add', 'probe0', 'type', 'ipip'];
    const probe = await exec({ file: 'ip', args: ['-n', netns, ...args] });
    if (probe.exitCode === 0) return undefined;
    const why = probe.stderr.trim().split('\n')[0] ?? `exit ${probe.exitCode}`;
    return `the host kernel cannot create ${network === 'vxlan' ? 'a vxlan device' : 'an ipip tunnel'} (ip link add … type ${network}: ${why})`;
  });
}

export interface RoutedPeer {
  readonly podCIDR: string;
  readonly nodeIp: string;
}

/** routed: the peer's pod CIDR via the peer node, over the node network. */
export async function routeToPeer(exec: Exec, netns: string, peer: RoutedPeer): Promise<void> {
  await ip(exec, '-n', netns, 'route', 'add', peer.podCIDR, 'via', peer.nodeIp);
}

/** ipip: tunl0 up with the node's pod gateway address, and the peer's block through it (Calico's `via PEER dev tunl0 onlink`). */
export async function addIpipTunnel(exec: Exec, netns: string, gateway: string, peer: RoutedPeer): Promise<void> {
  await ip(exec, '-n', netns, 'link', 'set', 'tunl0', 'mtu', String(podMtu('ipip')), 'up');
  await ip(exec, '-n', netns, 'addr', 'add', `${gateway}/32`, 'dev', 'tunl0');
  await ip(exec, '-n', netns, 'route', 'add', peer.podCIDR, 'via', peer.nodeIp, 'dev', 'tunl0', 'onlink');
}
