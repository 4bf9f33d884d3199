// Which chains one service port needs and where its traffic goes: the decisions at the top
// of upstream's per-service loop in syncProxyRules, made once and shared by every render step
// (and by the stale-chain computation, which replays them on a port's previous version).
import type { Endpoint, ServicePort } from '../../model/types.ts';
import { assertRenderable } from './render-guard.ts';
import { endpointChainName, lowerProtocol, serviceChainNames, type ServiceChainNames } from './chain-names.ts';

/** A filter-table verdict for traffic that has no endpoint to go to. */
export interface FilterVerdict {
  readonly target: 'REJECT' | 'DROP';
  /** Already quoted for the rule text. */
  readonly comment: string;
}

export interface PortPolicy {
  readonly servicePort: ServicePort;
  readonly chains: ServiceChainNames;
  /** Lower-case protocol, as used in `-m tcp -p tcp`. */
  readonly protocol: string;
  readonly hasEndpoints: boolean;
  readonly hasInternalEndpoints: boolean;
  readonly hasExternalEndpoints: boolean;
  readonly usesClusterPolicyChain: boolean;
  readonly usesLocalPolicyChain: boolean;
  readonly usesExternalTrafficChain: boolean;
  readonly usesFirewallChain: boolean;
  /** KUBE-SVC- or KUBE-SVL-: where cluster IP traffic goes. */
  readonly internalTrafficChain: string;
  /** KUBE-SVC- or KUBE-SVL-: where KUBE-EXT- finally sends external traffic. */
  readonly externalPolicyChain: string;
  /** KUBE-EXT-, or KUBE-FW- when loadBalancerSourceRanges apply. */
  readonly loadBalancerTrafficChain: string;
  readonly internalFilter: FilterVerdict | undefined;
  readonly externalFilter: FilterVerdict | undefined;
  /** KUBE-SEP- chain of each endpoint of `servicePort.endpoints.allReachable`, index for index. */
  readonly endpointChains: readonly string[];
  /** Every nat chain the port needs, in the order they are declared. */
  readonly natChains: readonly string[];
}

// A policy depends on nothing but its (immutable) ServicePort, and the model keeps unchanged
// ports' objects across states, so a partial sync re-derives only what changed: the chain
// hashes of 100k endpoints are computed once, not on every sync.
const policies = new WeakMap<ServicePort, PortPolicy>();

export function decidePortPolicy(servicePort: ServicePort): PortPolicy {
  let policy = policies.get(servicePort);
  if (policy === undefined) {
    policy = computePortPolicy(servicePort);
    policies.set(servicePort, policy);
  }
  return policy;
}

function computePortPolicy(servicePort: ServicePort): PortPolicy {
  assertRenderable(servicePort);
  const { servicePortName: name, endpoints } = servicePort;
  const chains = serviceChainNames(name, servicePort.protocol);
  const hasEndpoints = endpoints.hasAnyEndpoints;
  const usesClusterPolicyChain = endpoints.cluster.length > 0 && usesClusterEndpoints(servicePort);
  const usesLocalPolicyChain = endpoints.local.length > 0 && usesLocalEndpoints(servicePort);
  // Upstream derives these from hasEndpoints alone; also requiring the target chain to exist
  // keeps a jump to an undeclared chain out of the payload even if the categorization were off.
  const hasInternalEndpoints = hasEndpoints && (servicePort.internalPolicyLocal ? usesLocalPolicyChain : usesClusterPolicyChain);
  const hasExternalEndpoints = hasEndpoints && (servicePort.externalPolicyLocal ? usesLocalPolicyChain : usesClusterPolicyChain);
  const usesFirewallChain = hasEndpoints && servicePort.loadBalancerVIPs.length > 0 && servicePort.loadBalancerSourceRanges.length > 0;
  const usesExternalTrafficChain = hasEndpoints && servicePort.externallyAccessible;
  const endpointChains = endpointChainNames(servicePort, endpoints.allReachable);
  const natChains: string[] = [];
  if (usesExternalTrafficChain) natChains.push(chains.external);
  if (usesFirewallChain) natChains.push(chains.firewall);
  if (usesClusterPolicyChain) natChains.push(chains.cluster);
  if (usesLocalPolicyChain) natChains.push(chains.local);
  for (let index = 0; index < endpointChains.length; index++) natChains.push(endpointChains[index]!);
  return {
    servicePort,
    chains,
    protocol: lowerProtocol(servicePort.protocol),
    hasEndpoints,
    hasInternalEndpoints,
    hasExternalEndpoints,
    usesClusterPolicyChain,
    usesLocalPolicyChain,
    usesExternalTrafficChain,
    usesFirewallChain,
    internalTrafficChain: servicePort.internalPolicyLocal ? chains.local : chains.cluster,
    externalPolicyChain: servicePort.externalPolicyLocal ? chains.local : chains.cluster,
    loadBalancerTrafficChain: usesFirewallChain ? chains.firewall : chains.external,
    internalFilter: filterVerdict(name, hasEndpoints, hasInternalEndpoints),
    externalFilter: filterVerdict(name, hasEndpoints, hasExternalEndpoints),
    endpointChains,
    natChains,
  };
}

function usesClusterEndpoints(servicePort: ServicePort): boolean {
  return !servicePort.internalPolicyLocal || servicePort.externallyAccessible;
}

function usesLocalEndpoints(servicePort: ServicePort): boolean {
  return servicePort.internalPolicyLocal || (servicePort.externalPolicyLocal && servicePort.externallyAccessible);
}

function filterVerdict(name: string, hasEndpoints: boolean, hasPolicyEndpoints: boolean): FilterVerdict | undefined {
  if (!hasEndpoints) return { target: 'REJECT', comment: `"${name} has no endpoints"` };
  if (!hasPolicyEndpoints) return { target: 'DROP', comment: `"${name} has no local endpoints"` };
  return undefined;
}

function endpointChainNames(servicePort: ServicePort, endpoints: readonly Endpoint[]): string[] {
  return endpoints.map((endpoint) => endpointChainName(servicePort.servicePortName, servicePort.protocol, endpoint.endpoint));
}
