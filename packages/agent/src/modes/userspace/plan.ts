// Plans the userspace proxy: one listener per service port and address (ClusterIP, node port
// on each node-port address, external IPs, load-balancer IPs), with the endpoint set upstream's
// iptables proxier sends that kind of traffic to. Pure.
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState, Endpoint, NodeContext, ServicePort } from '../../model/types.ts';
import { isLinkLocalIPv6, nodeIPsIn, nodePortAddressesOf, nodePortCandidates } from '../../model/node-port-addresses.ts';
import type { ListenerConflict, ListenerKind, UpstreamEndpoint, UserspaceListener, UserspacePlan } from './plan-types.ts';

export function listenerKey(protocol: string, address: string, port: number): string {
  return address.includes(':') ? `${protocol}/[${address}]:${port}` : `${protocol}/${address}:${port}`;
}

function toUpstream(endpoints: readonly Endpoint[]): UpstreamEndpoint[] {
  return endpoints.map((endpoint) => ({ ip: endpoint.ip, port: endpoint.port, endpoint: endpoint.endpoint }));
}

/** Internal traffic uses the Local set under internalTrafficPolicy Local, external traffic under externalTrafficPolicy Local. */
function endpointsFor(servicePort: ServicePort, kind: ListenerKind): UpstreamEndpoint[] {
  const usesLocal = kind === 'clusterIP' ? servicePort.internalPolicyLocal : servicePort.externalPolicyLocal;
  return toUpstream(usesLocal ? servicePort.endpoints.local : servicePort.endpoints.cluster);
}

function addressesOf(servicePort: ServicePort, node: NodeContext): Array<readonly [ListenerKind, string, number]> {
  const addresses: Array<readonly [ListenerKind, string, number]> = [];
  if (servicePort.clusterIP !== '') addresses.push(['clusterIP', servicePort.clusterIP, servicePort.port]);
  if (!servicePort.externallyAccessible) return addresses;
  if (servicePort.nodePort !== 0) {
    // A link-local IPv6 address cannot be listened on without its zone.
    for (const ip of nodeIPsIn(nodePortAddressesOf(node), nodePortCandidates(node)))
      if (!isLinkLocalIPv6(ip)) addresses.push(['nodePort', ip, servicePort.nodePort]);
  }
  for (const ip of servicePort.externalIPs) addresses.push(['externalIP', ip, servicePort.port]);
  for (const ip of servicePort.loadBalancerVIPs) addresses.push(['loadBalancer', ip, servicePort.port]);
  return addresses;
}

/** The whole listener set. `changed` is accepted for the Mode interface; sockets are diffed live, so a plan is always full. */
export function planUserspace(state: DesiredState, _changed?: ChangeSet): UserspacePlan {
  const listeners = new Map<string, UserspaceListener>();
  const conflicts: ListenerConflict[] = [];
  const serviceAddresses = new Set<string>();
  const names = [...state.servicePorts.keys()].sort();
  for (const name of names) {
    const servicePort = state.servicePorts.get(name);
    if (servicePort === undefined) continue;
    for (const [kind, address, port] of addressesOf(servicePort, state.node)) {
      if (kind !== 'nodePort') serviceAddresses.add(address);
      const key = listenerKey(servicePort.protocol, address, port);
      const holder = listeners.get(key);
      if (holder !== undefined) {
        conflicts.push({ key, servicePortName: name, heldBy: holder.servicePortName });
        continue;
      }
      listeners.set(key, {
        key,
        servicePortName: name,
        kind,
        protocol: servicePort.protocol,
        address,
        port,
        endpoints: endpointsFor(servicePort, kind),
        sessionAffinity: servicePort.sessionAffinity,
        sourceRanges: kind === 'loadBalancer' ? servicePort.loadBalancerSourceRanges : [],
      });
    }
  }
  const sorted = [...listeners.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    full: true,
    ipFamily: state.node.ipFamily,
    listeners: sorted,
    serviceAddresses: [...serviceAddresses].sort(),
    conflicts,
    figures: {
      listeners: sorted.length,
      listenersWithoutEndpoints: sorted.filter((listener) => listener.endpoints.length === 0).length,
      conflicts: conflicts.length,
    },
  };
}
