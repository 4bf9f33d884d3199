// Pure: for one service port and one client address, which endpoints the programmed rules
// can send that client to, per service address, following the chain layout of upstream's
// iptables proxier (SVC = cluster policy, SVL = local policy, EXT chain for external traffic).
import { cidrContains } from '../model/cidr-match.ts';
import type { Endpoint, NodeContext, ServicePort } from '../model/types.ts';

export interface Reach {
  readonly kind: 'clusterIP' | 'nodePort' | 'externalIP' | 'loadBalancer';
  /** `IP:port`; a node port as `NODE_IP:nodePort` (every node address that serves node ports). */
  readonly address: string;
  readonly endpoints: readonly Endpoint[];
  /** Why these endpoints, or why none (rejected, dropped). */
  readonly note: string;
}

/** Whether the node's local-traffic detector counts `clientIP` as a pod of this node/cluster. */
export function isLocalSource(node: NodeContext, clientIP: string): boolean | undefined {
  const detector = node.detectLocal;
  if (detector.mode === 'ClusterCIDR' || detector.mode === 'NodeCIDR') return detector.cidrs.some((cidr) => cidrContains(cidr, clientIP));
  if (detector.mode === 'None') return false;
  return undefined;
}

function policyEndpoints(port: ServicePort, local: boolean): { endpoints: readonly Endpoint[]; note: string } {
  const endpoints = local ? port.endpoints.local : port.endpoints.cluster;
  const policy = local ? 'Local policy: endpoints on this node' : 'Cluster policy';
  if (endpoints.length === 0) return { endpoints, note: `${policy}: no usable endpoint, the connection is ${local ? 'dropped' : 'rejected'}` };
  const affinity =
    port.sessionAffinity.type === 'ClientIP'
      ? `; ClientIP affinity: the client sticks to the first one chosen for ${port.sessionAffinity.timeoutSeconds} s`
      : '';
  return { endpoints, note: `${policy}${affinity}` };
}

function externalReach(port: ServicePort, node: NodeContext, clientIP: string): { endpoints: readonly Endpoint[]; note: string } {
  if (!port.externallyAccessible) return { endpoints: [], note: 'not reachable from outside (no usable endpoint): rejected' };
  if (!port.externalPolicyLocal) return policyEndpoints(port, false);
  const local = isLocalSource(node, clientIP);
  const isNode = node.nodeIPs.includes(clientIP);
  if (local === true || isNode) {
    const chosen = policyEndpoints(port, port.internalPolicyLocal);
    return {
      ...chosen,
      note: `externalTrafficPolicy Local, but the client is ${isNode ? 'this node' : 'a local pod'}: sent as internal traffic; ${chosen.note}`,
    };
  }
  const chosen = policyEndpoints(port, true);
  return {
    ...chosen,
    note: `externalTrafficPolicy Local (source IP kept)${local === undefined ? ' (the local detector cannot classify this address)' : ''}; ${chosen.note}`,
  };
}

export function reachableEndpoints(port: ServicePort, node: NodeContext, clientIP: string): Reach[] {
  const reaches: Reach[] = [];
  const internal = policyEndpoints(port, port.internalPolicyLocal);
  if (port.clusterIP !== '') reaches.push({ kind: 'clusterIP', address: `${port.clusterIP}:${port.port}`, ...internal });
  const external = externalReach(port, node, clientIP);
  if (port.nodePort !== 0) reaches.push({ kind: 'nodePort', address: `${node.nodeIPs[0] ?? 'NODE_IP'}:${port.nodePort}`, ...external });
  for (const ip of port.externalIPs) reaches.push({ kind: 'externalIP', address: `${ip}:${port.port}`, ...external });
  const ranges = port.loadBalancerSourceRanges;
  const allowed = ranges.length === 0 || ranges.some((cidr) => cidrContains(cidr, clientIP)) || node.nodeIPs.includes(clientIP);
  for (const ip of port.loadBalancerVIPs) {
    reaches.push(
      allowed
        ? { kind: 'loadBalancer', address: `${ip}:${port.port}`, ...external }
        : {
            kind: 'loadBalancer',
            address: `${ip}:${port.port}`,
            endpoints: [],
            note: `client outside loadBalancerSourceRanges (${ranges.join(', ')}): dropped`,
          },
    );
  }
  return reaches;
}
