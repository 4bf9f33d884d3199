// Everything about the node that shapes the rules, derived once per plan from NodeContext,
// as kube-proxy's NewProxier derives it once at start.
import type { DesiredState, LocalDetector, NodeContext } from '../model/types.ts';
import { nodePortAddressesOf, type NodePortAddresses } from '../model/node-port-addresses.ts';

/** Above this many endpoints, per-endpoint comments are dropped (upstream's largeClusterMode). */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface RenderContext {
  readonly isIPv6: boolean;
  /** e.g. `0x00004000`, formatted as kube-proxy's `%#08x`. */
  readonly masqueradeMark: string;
  readonly masqueradeAll: boolean;
  /** Match arguments for "from a local pod", or undefined when local traffic cannot be told apart. */
  readonly ifLocal: string | undefined;
  readonly ifNotLocal: string | undefined;
  /** --nodeport-addresses of this family. */
  readonly nodePortAddresses: NodePortAddresses;
  /** Effective --iptables-localhost-nodeports (IPv4 only, and only if node port addresses include loopback). */
  readonly localhostNodePorts: boolean;
  /** The primary node IP, used to allow the node itself through loadBalancerSourceRanges. */
  readonly primaryNodeIP: string | undefined;
  readonly largeClusterMode: boolean;
  readonly node: NodeContext;
}

export function buildRenderContext(state: DesiredState): RenderContext {
  const node = state.node;
  const isIPv6 = node.ipFamily === 'IPv6';
  const detector = localDetectorArgs(node.detectLocal);
  const nodePortAddresses = nodePortAddressesOf(node);
  let totalEndpoints = 0;
  for (const servicePort of state.servicePorts.values()) totalEndpoints += servicePort.endpoints.all.length;
  return {
    isIPv6,
    masqueradeMark: formatMasqueradeMark(node.masqueradeBit),
    masqueradeAll: node.masqueradeAll,
    ifLocal: detector?.ifLocal,
    ifNotLocal: detector?.ifNotLocal,
    nodePortAddresses,
    localhostNodePorts: !isIPv6 && node.localhostNodePorts && nodePortAddresses.containsIPv4Loopback,
    primaryNodeIP: node.nodeIPs[0],
    largeClusterMode: totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
    node,
  };
}

/** kube-proxy: fmt.Sprintf("%#08x", 1<<masqueradeBit), which Go pads to 8 digits after `0x`. */
export function formatMasqueradeMark(bit: number): string {
  return '0x' + (2 ** bit).toString(16).padStart(8, '0');
}

function localDetectorArgs(detector: LocalDetector): { ifLocal: string; ifNotLocal: string } | undefined {
  switch (detector.mode) {
    case 'ClusterCIDR':
    case 'NodeCIDR': {
      const cidr = detector.cidrs[0];
      return cidr === undefined ? undefined : { ifLocal: `-s ${cidr}`, ifNotLocal: `! -s ${cidr}` };
    }
    case 'BridgeInterface':
      return { ifLocal: `-i ${detector.interfaceName}`, ifNotLocal: `! -i ${detector.interfaceName}` };
    case 'InterfaceNamePrefix':
      return { ifLocal: `-i ${detector.interfacePrefix}+`, ifNotLocal: `! -i ${detector.interfacePrefix}+` };
    case 'None':
      return undefined;
  }
}
