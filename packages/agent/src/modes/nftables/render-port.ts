// One service port's elements and chains (see port-objects.ts). Memoized per (immutable)
// ServicePort and render context, so a partial sync renders only what changed, and the
// previous version of a changed port renders to exactly what was programmed for it.
import { cidrContains } from '../../model/cidr-match.ts';
import type { Endpoint, ServicePort } from '../../model/types.ts';
import type { NftRenderContext } from './render-context.ts';
import {
  CLUSTER_IPS,
  FIREWALL_IPS,
  MARK_MASQ,
  NO_ENDPOINT_NODEPORTS,
  NO_ENDPOINT_SERVICES,
  REJECT_CHAIN,
  SERVICE_IPS,
  SERVICE_NODEPORTS,
  endpointMapName,
  type EndpointMapKind,
} from './names.ts';
import { assertAddress, quoteComment } from './nft-text.ts';
import {
  decidePolicy,
  externalTarget,
  policyTarget,
  type DispatchUse,
  type NftChain,
  type NftElement,
  type NftSet,
  type PortObjects,
  type PortPolicy,
  type TrafficPath,
} from './port-objects.ts';
import { renderAffinityObjects } from './render-affinity.ts';

const cache = new WeakMap<NftRenderContext, WeakMap<ServicePort, PortObjects>>();

export function renderPort(servicePort: ServicePort, context: NftRenderContext): PortObjects {
  let perContext = cache.get(context);
  if (perContext === undefined) {
    perContext = new WeakMap();
    cache.set(context, perContext);
  }
  let objects = perContext.get(servicePort);
  if (objects === undefined) {
    objects = computePortObjects(decidePolicy(servicePort), context);
    perContext.set(servicePort, objects);
  }
  return objects;
}

function computePortObjects(policy: PortPolicy, context: NftRenderContext): PortObjects {
  const elements: NftElement[] = [];
  const chains: NftChain[] = [];
  const sets: NftSet[] = [];
  const dispatch: DispatchUse[] = [];
  renderDispatchElements(policy, elements);
  const dispatchCount = elements.length;
  if (!policy.affinity) renderEndpointElements(policy, elements, dispatch);
  if (policy.servicePort.externalPolicyLocal && policy.usesExternalChain) {
    // With affinity one external chain serves both paths (its targets are the port's own chains).
    if (policy.affinity || policy.externalVIPs.length > 0) chains.push(externalLocalChain(policy, context, 'vip', policy.names.external));
    if (!policy.affinity && policy.servicePort.nodePort !== 0) chains.push(externalLocalChain(policy, context, 'nodeport', policy.names.nodeport));
  }
  if (policy.usesFirewall) chains.push(firewallChain(policy, context));
  if (policy.affinity) renderAffinityObjects(policy, context, chains, sets);
  return { elements, dispatchCount, chains, sets, dispatch };
}

function renderDispatchElements(policy: PortPolicy, out: NftElement[]): void {
  const sp = policy.servicePort;
  const comment = quoteComment(sp.servicePortName);
  const proto = policy.protocol;
  const clusterIP = assertAddress(sp.clusterIP);
  const internalFilter = policy.hasEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;
  const externalFilter = internalFilter;
  out.push({ container: CLUSTER_IPS, key: clusterIP });
  const internal = sp.internalPolicyLocal ? 'local' : 'cluster';
  if (policy.hasInternal)
    out.push({ container: SERVICE_IPS, key: `${clusterIP} . ${proto} . ${sp.port}`, value: `goto ${policyTarget(policy, internal, 'vip')}` });
  else out.push({ container: NO_ENDPOINT_SERVICES, key: `${clusterIP} . ${proto} . ${sp.port}`, value: internalFilter, comment });
  for (const vip of policy.externalVIPs) {
    const key = `${assertAddress(vip)} . ${proto} . ${sp.port}`;
    if (policy.hasEndpoints && usesExternalEntry(policy)) out.push({ container: SERVICE_IPS, key, value: `goto ${externalTarget(policy, 'vip')}` });
    if (!policy.hasExternal) out.push({ container: NO_ENDPOINT_SERVICES, key, value: externalFilter, comment });
  }
  if (policy.usesFirewall) {
    for (const vip of sp.loadBalancerVIPs) {
      out.push({ container: FIREWALL_IPS, key: `${assertAddress(vip)} . ${proto} . ${sp.port}`, value: `goto ${policy.names.firewall}` });
    }
  }
  if (sp.nodePort !== 0) {
    const key = `${proto} . ${sp.nodePort}`;
    if (policy.hasEndpoints && usesExternalEntry(policy)) out.push({ container: SERVICE_NODEPORTS, key, value: `goto ${externalTarget(policy, 'nodeport')}` });
    if (!policy.hasExternal) out.push({ container: NO_ENDPOINT_NODEPORTS, key, value: externalFilter, comment });
  }
}

/**
 * Upstream sends external traffic to the external chain whenever the port has endpoints. With
 * Cluster policy and no cluster endpoints that chain only marks: kpx then leaves the entry out,
 * and @no-endpoint-services drops the packet as upstream's fall-through does.
 */
function usesExternalEntry(policy: PortPolicy): boolean {
  return policy.affinity || policy.servicePort.externalPolicyLocal || policy.hasExternal;
}

function renderEndpointElements(policy: PortPolicy, out: NftElement[], dispatch: DispatchUse[]): void {
  const sp = policy.servicePort;
  const proto = policy.protocol;
  const vipKeys = (ips: readonly string[]): string[] => ips.map((ip) => `${assertAddress(ip)} . ${sp.port}`);
  const external = policy.usesExternalChain ? vipKeys(policy.externalVIPs) : [];
  const nodePortKeys = policy.usesExternalChain && sp.nodePort !== 0 ? [String(sp.nodePort)] : [];
  const clusterVipKeys = [...(!sp.internalPolicyLocal && policy.hasInternal ? vipKeys([sp.clusterIP]) : []), ...(policy.usesCluster ? external : [])];
  const localVipKeys = [
    ...(sp.internalPolicyLocal && policy.hasInternal ? vipKeys([sp.clusterIP]) : []),
    ...(sp.externalPolicyLocal && policy.usesLocal ? external : []),
  ];
  const lists: readonly [EndpointMapKind, readonly string[], readonly Endpoint[]][] = [
    ['cluster', clusterVipKeys, sp.endpoints.cluster],
    ['local', localVipKeys, sp.endpoints.local],
    ['nodeport-cluster', policy.usesCluster ? nodePortKeys : [], sp.endpoints.cluster],
    ['nodeport-local', sp.externalPolicyLocal && policy.usesLocal ? nodePortKeys : [], sp.endpoints.local],
  ];
  for (const [kind, keys, endpoints] of lists) {
    if (keys.length === 0 || endpoints.length === 0) continue;
    const container = endpointMapName(kind, proto);
    for (const key of keys) {
      for (let index = 0; index < endpoints.length; index++) {
        const endpoint = endpoints[index]!;
        out.push({ container, key: `${key} . ${index}`, value: `${assertAddress(endpoint.ip)} . ${endpoint.port}` });
      }
    }
  }
  noteDispatch(policy, dispatch);
}

function noteDispatch(policy: PortPolicy, dispatch: DispatchUse[]): void {
  const sp = policy.servicePort;
  const clusterCount = sp.endpoints.cluster.length;
  const localCount = sp.endpoints.local.length;
  if (policy.hasInternal)
    dispatch.push(
      sp.internalPolicyLocal
        ? { flavor: 'local', protocol: policy.protocol, count: localCount }
        : { flavor: 'cluster', protocol: policy.protocol, count: clusterCount },
    );
  if (!policy.usesExternalChain) return;
  const paths: TrafficPath[] = [];
  if (policy.externalVIPs.length > 0) paths.push('vip');
  if (sp.nodePort !== 0) paths.push('nodeport');
  for (const path of paths) {
    const prefix = path === 'vip' ? '' : 'nodeport-';
    if (!sp.externalPolicyLocal) {
      if (policy.hasExternal) dispatch.push({ flavor: path === 'vip' ? 'external' : 'nodeport', protocol: policy.protocol, count: clusterCount });
      continue;
    }
    if (policy.usesCluster) dispatch.push({ flavor: `${prefix}cluster` as 'cluster', protocol: policy.protocol, count: clusterCount });
    if (policy.usesLocal) dispatch.push({ flavor: `${prefix}local` as 'local', protocol: policy.protocol, count: localCount });
  }
}

/** Upstream's external chain for Local policy: local sources short-circuit to the Cluster list. */
function externalLocalChain(policy: PortPolicy, context: NftRenderContext, path: TrafficPath, name: string): NftChain {
  const rules: string[] = [];
  const clusterTarget = policy.usesCluster ? policyTarget(policy, 'cluster', path) : undefined;
  if (context.ifLocal !== undefined && clusterTarget !== undefined) {
    rules.push(`${context.ifLocal} goto ${clusterTarget} comment ${quoteComment('short-circuit pod traffic')}`);
  }
  rules.push(`fib saddr type local jump ${MARK_MASQ} comment ${quoteComment('masquerade local traffic')}`);
  if (clusterTarget !== undefined) rules.push(`fib saddr type local goto ${clusterTarget} comment ${quoteComment('short-circuit local traffic')}`);
  if (policy.hasExternal) rules.push(`goto ${policyTarget(policy, 'local', path)}`);
  return { name, rules };
}

function firewallChain(policy: PortPolicy, context: NftRenderContext): NftChain {
  const sp = policy.servicePort;
  const sources = sp.loadBalancerSourceRanges.map(assertAddress);
  const nodeIP = context.nodeIP;
  // A VIP-like load balancer loops node-originated requests back with the VIP as source.
  if (nodeIP !== undefined && sources.some((cidr) => cidrContains(cidr, nodeIP))) sources.push(...sp.loadBalancerVIPs.map(assertAddress));
  return { name: policy.names.firewall, rules: [`${context.addr} saddr != { ${sources.join(', ')} } drop`] };
}
