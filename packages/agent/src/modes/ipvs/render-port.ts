// One service port → its virtual servers, ipset entries and kube-ipvs0 addresses, as the
// per-service body of upstream's IPVS syncProxyRules decides them.
import type { Endpoint, NodeContext, ServicePort } from '../../model/types.ts';
import { cidrContains } from '../../model/cidr-match.ts';
import { isLinkLocalIPv6, nodeIPsIn, nodePortAddressesOf, nodePortCandidates } from '../../model/node-port-addresses.ts';
import {
  KUBE_CLUSTER_IP,
  KUBE_EXTERNAL_IP,
  KUBE_EXTERNAL_IP_LOCAL,
  KUBE_HEALTH_CHECK_NODE_PORT,
  KUBE_IPVS_IPS,
  KUBE_LOAD_BALANCER_FW,
  KUBE_LOAD_BALANCER_LOCAL,
  KUBE_LOAD_BALANCER_SET,
  KUBE_LOAD_BALANCER_SOURCE_CIDR,
  KUBE_LOAD_BALANCER_SOURCE_IP,
  KUBE_LOOP_BACK,
  KUBE_NODE_PORT_LOCAL_SCTP,
  KUBE_NODE_PORT_LOCAL_TCP,
  KUBE_NODE_PORT_LOCAL_UDP,
  KUBE_NODE_PORT_SCTP,
  KUBE_NODE_PORT_TCP,
  KUBE_NODE_PORT_UDP,
} from './kernel-names.ts';
import { canonicalEntry } from './ipset-text.ts';
import type { NoNodeAccess, PlannedVirtualServer, PortPlan, RealServer, SetEntry } from './plan-types.ts';

export interface PortRenderSettings {
  readonly scheduler: string;
  /** Addresses node port virtual servers listen on (see nodePortVirtualServerAddresses). */
  readonly nodePortAddresses: readonly string[];
}

const LOOPBACK = /^(127\.|::1$)/;

/**
 * The node addresses node ports are served on: upstream lists the host's local addresses
 * (all, or those in --nodeport-addresses, minus loopback and kube-ipvs0's). The daemon hands
 * them in (node.localAddresses); without them (kpx render) the Node's addresses of this family.
 */
export function nodePortVirtualServerAddresses(node: NodeContext): string[] {
  // Upstream's ipvs NodeIPs leaves out loopback and link-local addresses too.
  return nodeIPsIn(nodePortAddressesOf(node), nodePortCandidates(node)).filter((ip) => !LOOPBACK.test(ip) && !isLinkLocalIPv6(ip));
}

/** upstream syncEndpoint: node-local endpoints when the policy is Local and some exist, else cluster ones. */
function realServersFor(servicePort: ServicePort, onlyNodeLocal: boolean): RealServer[] {
  const { cluster, local } = servicePort.endpoints;
  const chosen: readonly Endpoint[] = onlyNodeLocal && local.length > 0 ? local : cluster;
  return chosen.map((endpoint) => ({ address: endpoint.ip, port: endpoint.port, weight: 1 }));
}

function ipPortEntry(ip: string, protocol: string, port: number): string {
  return `${ip},${protocol}:${port}`;
}

export function renderPort(servicePort: ServicePort, node: NodeContext, settings: PortRenderSettings): PortPlan {
  const protocol = servicePort.protocol.toLowerCase();
  const entries: SetEntry[] = [];
  const add = (set: string, entry: string): void => void entries.push({ set, entry });
  const virtualServers: PlannedVirtualServer[] = [];
  const boundAddresses: string[] = [];
  const noNodeAccess: NoNodeAccess[] = [];
  const nodeAddresses = new Set(node.nodeIPs);
  const virtualServer = (address: string, port: number, onlyNodeLocal: boolean): PlannedVirtualServer => ({
    protocol: servicePort.protocol,
    address,
    port,
    scheduler: settings.scheduler,
    persistentSeconds: servicePort.sessionAffinity.type === 'ClientIP' ? servicePort.sessionAffinity.timeoutSeconds : undefined,
    schedulerFlags: settings.scheduler === 'mh' ? 'mh-port' : undefined,
    realServers: realServersFor(servicePort, onlyNodeLocal),
  });

  // Hairpin: a local endpoint reaching itself through the service is masqueraded.
  for (const endpoint of servicePort.endpoints.all) {
    if (endpoint.isLocal) add(KUBE_LOOP_BACK, `${endpoint.ip},${protocol}:${endpoint.port},${endpoint.ip}`);
  }

  add(KUBE_CLUSTER_IP, ipPortEntry(servicePort.clusterIP, protocol, servicePort.port));
  virtualServers.push(virtualServer(servicePort.clusterIP, servicePort.port, servicePort.internalPolicyLocal));
  boundAddresses.push(servicePort.clusterIP);

  for (const externalIP of servicePort.externalIPs) {
    add(servicePort.externalPolicyLocal ? KUBE_EXTERNAL_IP_LOCAL : KUBE_EXTERNAL_IP, ipPortEntry(externalIP, protocol, servicePort.port));
    virtualServers.push(virtualServer(externalIP, servicePort.port, servicePort.externalPolicyLocal));
    if (!nodeAddresses.has(externalIP)) boundAddresses.push(externalIP);
  }

  for (const ingress of servicePort.loadBalancerVIPs) {
    const entry = ipPortEntry(ingress, protocol, servicePort.port);
    add(KUBE_LOAD_BALANCER_SET, entry);
    if (servicePort.externalPolicyLocal) add(KUBE_LOAD_BALANCER_LOCAL, entry);
    if (servicePort.loadBalancerSourceRanges.length > 0) {
      add(KUBE_LOAD_BALANCER_FW, entry);
      let allowFromNode = false;
      for (const cidr of servicePort.loadBalancerSourceRanges) {
        add(KUBE_LOAD_BALANCER_SOURCE_CIDR, canonicalEntry(`${entry},${cidr}`));
        const primary = node.nodeIPs[0];
        if (primary !== undefined && cidrContains(cidr, primary)) allowFromNode = true;
      }
      if (allowFromNode) add(KUBE_LOAD_BALANCER_SOURCE_IP, `${entry},${ingress}`);
      else noNodeAccess.push({ address: ingress, protocol, port: servicePort.port });
    }
    virtualServers.push(virtualServer(ingress, servicePort.port, servicePort.externalPolicyLocal));
    if (!nodeAddresses.has(ingress)) boundAddresses.push(ingress);
  }

  if (servicePort.nodePort !== 0 && settings.nodePortAddresses.length > 0) {
    renderNodePortEntries(servicePort, protocol, settings.nodePortAddresses, add);
    for (const address of settings.nodePortAddresses) {
      virtualServers.push(virtualServer(address, servicePort.nodePort, servicePort.externalPolicyLocal));
    }
  }

  if (servicePort.healthCheckNodePort !== 0) add(KUBE_HEALTH_CHECK_NODE_PORT, String(servicePort.healthCheckNodePort));

  for (const address of boundAddresses) add(KUBE_IPVS_IPS, address);
  return { virtualServers, setEntries: entries, boundAddresses, noNodeAccess };
}

function renderNodePortEntries(
  servicePort: ServicePort,
  protocol: string,
  nodePortAddresses: readonly string[],
  add: (set: string, entry: string) => void,
): void {
  const local = servicePort.externalPolicyLocal;
  switch (servicePort.protocol) {
    case 'TCP':
      add(KUBE_NODE_PORT_TCP, String(servicePort.nodePort));
      if (local) add(KUBE_NODE_PORT_LOCAL_TCP, String(servicePort.nodePort));
      return;
    case 'UDP':
      add(KUBE_NODE_PORT_UDP, String(servicePort.nodePort));
      if (local) add(KUBE_NODE_PORT_LOCAL_UDP, String(servicePort.nodePort));
      return;
    case 'SCTP':
      // hash:ip,port for SCTP: one entry per node address.
      for (const address of nodePortAddresses) {
        add(KUBE_NODE_PORT_SCTP, ipPortEntry(address, protocol, servicePort.nodePort));
        if (local) add(KUBE_NODE_PORT_LOCAL_SCTP, ipPortEntry(address, protocol, servicePort.nodePort));
      }
      return;
  }
}
