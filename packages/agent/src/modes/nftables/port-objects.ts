// What one service port puts into the table, as data: set and map elements, its own chains
// (only where the flat layout needs them), affinity sets, and the shared dispatch chains it
// points at. The plan turns these into statements, and diffs them on a partial sync.
import type { ServicePort } from '../../model/types.ts';
import { dispatchChainName, lowerProtocol, serviceChainNames, type DispatchFlavor, type ServiceChainNames } from './names.ts';

export interface NftElement {
  readonly container: string;
  /** The key as nft reads it, e.g. `10.96.0.1 . tcp . 80`. */
  readonly key: string;
  /** Map data (`goto chain`, `10.244.0.5 . 8080`); undefined in a set. */
  readonly value?: string;
  /** Already quoted. */
  readonly comment?: string;
}

export interface NftChain {
  readonly name: string;
  readonly rules: readonly string[];
}

export interface NftSet {
  readonly kind: 'set' | 'map';
  readonly name: string;
  /** `{ type … ; }`. */
  readonly spec: string;
  /** Dynamic sets (affinity) keep their elements across full syncs: they are never flushed. */
  readonly dynamic: boolean;
}

export interface DispatchUse {
  readonly flavor: DispatchFlavor;
  readonly protocol: string;
  readonly count: number;
}

export interface PortObjects {
  /**
   * The port's cluster IP and dispatch entries (service-ips, no-endpoint-*, firewall-ips,
   * service-nodeports), then its endpoint map entries. Two ports share an endpoint map key only
   * if they share a dispatch entry's key (same IP or node port, protocol and port).
   */
  readonly elements: readonly NftElement[];
  /** How many of `elements` come first as the cluster IP and dispatch entries. */
  readonly dispatchCount: number;
  readonly chains: readonly NftChain[];
  readonly sets: readonly NftSet[];
  readonly dispatch: readonly DispatchUse[];
}

/** The decisions at the top of upstream's per-service loop, made once per port. */
export interface PortPolicy {
  readonly servicePort: ServicePort;
  /** Computed on first use: only ports with chains of their own need them (a sha256 each). */
  readonly names: ServiceChainNames;
  readonly protocol: string;
  readonly hasEndpoints: boolean;
  readonly usesCluster: boolean;
  readonly usesLocal: boolean;
  readonly hasInternal: boolean;
  readonly hasExternal: boolean;
  readonly usesExternalChain: boolean;
  readonly usesFirewall: boolean;
  readonly affinity: boolean;
  /** Service IPs of external traffic: external IPs, then load balancer IPs. */
  readonly externalVIPs: readonly string[];
}

export function decidePolicy(servicePort: ServicePort): PortPolicy {
  let names: ServiceChainNames | undefined;
  const { endpoints } = servicePort;
  const hasEndpoints = endpoints.hasAnyEndpoints;
  const usesCluster = endpoints.cluster.length > 0 && (!servicePort.internalPolicyLocal || servicePort.externallyAccessible);
  const usesLocal = endpoints.local.length > 0 && (servicePort.internalPolicyLocal || (servicePort.externalPolicyLocal && servicePort.externallyAccessible));
  return {
    servicePort,
    get names(): ServiceChainNames {
      names ??= serviceChainNames(servicePort.servicePortName, servicePort.protocol);
      return names;
    },
    protocol: lowerProtocol(servicePort.protocol),
    hasEndpoints,
    usesCluster,
    usesLocal,
    hasInternal: hasEndpoints && (servicePort.internalPolicyLocal ? usesLocal : usesCluster),
    hasExternal: hasEndpoints && (servicePort.externalPolicyLocal ? usesLocal : usesCluster),
    usesExternalChain: hasEndpoints && servicePort.externallyAccessible,
    usesFirewall: servicePort.loadBalancerVIPs.length > 0 && servicePort.loadBalancerSourceRanges.length > 0,
    affinity: servicePort.sessionAffinity.type === 'ClientIP',
    externalVIPs: [...servicePort.externalIPs, ...servicePort.loadBalancerVIPs],
  };
}

export type TrafficPath = 'vip' | 'nodeport';

/** Where traffic using the Cluster (or Local) endpoint list goes, per path. */
export function policyTarget(policy: PortPolicy, list: 'cluster' | 'local', path: TrafficPath): string {
  if (policy.affinity) return list === 'cluster' ? policy.names.cluster : policy.names.local;
  const count = list === 'cluster' ? policy.servicePort.endpoints.cluster.length : policy.servicePort.endpoints.local.length;
  return dispatchChainName(path === 'vip' ? list : `nodeport-${list}`, policy.protocol, count);
}

/** Where external traffic goes first, per path. */
export function externalTarget(policy: PortPolicy, path: TrafficPath): string {
  if (policy.affinity) return policy.names.external;
  if (policy.servicePort.externalPolicyLocal) return path === 'vip' ? policy.names.external : policy.names.nodeport;
  return dispatchChainName(path === 'vip' ? 'external' : 'nodeport', policy.protocol, policy.servicePort.endpoints.cluster.length);
}
