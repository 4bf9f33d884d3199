// Upstream's CategorizeEndpoints (pkg/proxy/topology.go): which endpoints Cluster and
// Local traffic policy use, with topology hints and the fallback to serving-terminating
// endpoints when no ready one is left.
import { compareEndpoints } from './slice-port-endpoints.ts';
import type { CategorizedEndpoints, Endpoint } from './types.ts';

/** The policy facts of a service port CategorizeEndpoints looks at. */
export interface PortTrafficPolicy {
  readonly internalPolicyLocal: boolean;
  readonly externalPolicyLocal: boolean;
  readonly externallyAccessible: boolean;
}

export interface NodeTopology {
  readonly nodeName: string;
  /** The node's topology.kubernetes.io/zone label; undefined or '' when it has none. */
  readonly zone: string | undefined;
}

type TopologyMode = '' | 'PreferSameNode' | 'PreferSameZone';

const NONE: readonly Endpoint[] = Object.freeze([]);
const NO_NODE_HINTS: ReadonlyMap<Endpoint, readonly string[]> = new Map();

export function usesClusterEndpoints(port: PortTrafficPolicy): boolean {
  // Even with externalTrafficPolicy Local, Cluster endpoints serve short-circuited in-cluster traffic.
  return !port.internalPolicyLocal || port.externallyAccessible;
}

export function usesLocalEndpoints(port: PortTrafficPolicy): boolean {
  return port.internalPolicyLocal || (port.externalPolicyLocal && port.externallyAccessible);
}

const isServingTerminating = (endpoint: Endpoint): boolean => endpoint.serving && endpoint.terminating;

/**
 * PreferSameNode when every ready endpoint has node hints and one names this node; else
 * PreferSameZone when every ready endpoint has zone hints and one names this zone; else ''.
 */
export function topologyModeFromHints(endpoints: readonly Endpoint[], node: NodeTopology, nodeHints: ReadonlyMap<Endpoint, readonly string[]>): TopologyMode {
  const zone = node.zone ?? '';
  let hasReadyEndpoints = false;
  let allHaveNodeHints = true;
  let hasEndpointForNode = false;
  let allHaveZoneHints = true;
  let hasEndpointForZone = false;
  // Indexed loops here and in selectLocalEndpoints: they run per endpoint, mostly cold.
  for (let index = 0; index < endpoints.length; index++) {
    const endpoint = endpoints[index]!;
    if (!endpoint.ready) continue;
    hasReadyEndpoints = true;
    const forNodes = nodeHints.get(endpoint);
    if (forNodes === undefined || forNodes.length === 0) allHaveNodeHints = false;
    else if (forNodes.includes(node.nodeName)) hasEndpointForNode = true;
    if (endpoint.zoneHints.length === 0) allHaveZoneHints = false;
    else if (endpoint.zoneHints.includes(zone)) hasEndpointForZone = true;
  }
  if (!hasReadyEndpoints) return '';
  if (allHaveNodeHints && hasEndpointForNode) return 'PreferSameNode';
  if (allHaveZoneHints && hasEndpointForZone) return 'PreferSameZone';
  return '';
}

function isAvailableForTopology(endpoint: Endpoint, mode: TopologyMode, node: NodeTopology, nodeHints: ReadonlyMap<Endpoint, readonly string[]>): boolean {
  if (mode === 'PreferSameNode') return nodeHints.get(endpoint)?.includes(node.nodeName) ?? false;
  if (mode === 'PreferSameZone') return endpoint.zoneHints.includes(node.zone ?? '');
  return true;
}

function freezeList(endpoints: Endpoint[]): readonly Endpoint[] {
  return endpoints.length === 0 ? NONE : Object.freeze(endpoints);
}

interface ClusterSelection {
  readonly endpoints: readonly Endpoint[];
  readonly mode: TopologyMode;
}

function selectClusterEndpoints(all: readonly Endpoint[], node: NodeTopology, nodeHints: ReadonlyMap<Endpoint, readonly string[]>): ClusterSelection {
  const mode = topologyModeFromHints(all, node, nodeHints);
  // The common case, every endpoint ready and no topology: share `all` instead of copying it.
  if (mode === '' && all.every((endpoint) => endpoint.ready)) return { endpoints: all, mode };
  const ready = all.filter((endpoint) => endpoint.ready && isAvailableForTopology(endpoint, mode, node, nodeHints));
  // No ready endpoint here means none anywhere (topology would have been ignored otherwise).
  const usable = ready.length > 0 ? ready : all.filter(isServingTerminating);
  return { endpoints: freezeList(usable), mode };
}

interface LocalSelection {
  readonly endpoints: readonly Endpoint[];
  readonly usesServingTerminating: boolean;
  readonly hasAnyEndpoints: boolean;
}

function selectLocalEndpoints(all: readonly Endpoint[]): LocalSelection {
  let hasAnyEndpoints = false;
  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (let index = 0; index < all.length; index++) {
    const endpoint = all[index]!;
    if (endpoint.ready) {
      hasAnyEndpoints = true;
      hasLocalReady ||= endpoint.isLocal;
    } else if (isServingTerminating(endpoint)) {
      hasAnyEndpoints = true;
      hasLocalServingTerminating ||= endpoint.isLocal;
    }
  }
  if (hasLocalReady) {
    return { endpoints: freezeList(all.filter((e) => e.isLocal && e.ready)), usesServingTerminating: false, hasAnyEndpoints };
  }
  const endpoints = hasLocalServingTerminating ? freezeList(all.filter((e) => e.isLocal && isServingTerminating(e))) : NONE;
  return { endpoints, usesServingTerminating: hasLocalServingTerminating, hasAnyEndpoints };
}

function unionSorted(a: readonly Endpoint[], b: readonly Endpoint[]): readonly Endpoint[] {
  const byEndpoint = new Map<string, Endpoint>();
  for (const endpoint of a) byEndpoint.set(endpoint.endpoint, endpoint);
  for (const endpoint of b) byEndpoint.set(endpoint.endpoint, endpoint);
  return freezeList([...byEndpoint.values()].sort(compareEndpoints));
}

/**
 * `all` must be deduplicated and sorted by `endpoint`; every returned list keeps that order.
 * `nodeHints` holds `hints.forNodes` of the endpoints that have any.
 */
export function categorizeEndpoints(
  all: readonly Endpoint[],
  port: PortTrafficPolicy,
  node: NodeTopology,
  nodeHints: ReadonlyMap<Endpoint, readonly string[]> = NO_NODE_HINTS,
): CategorizedEndpoints {
  const frozenAll = Object.isFrozen(all) ? all : Object.freeze([...all]);
  if (frozenAll.length === 0) return Object.freeze({ all: frozenAll, cluster: NONE, local: NONE, allReachable: NONE, hasAnyEndpoints: false });

  const usesCluster = usesClusterEndpoints(port);
  const cluster = usesCluster ? selectClusterEndpoints(frozenAll, node, nodeHints) : { endpoints: NONE, mode: '' as const };
  if (!usesLocalEndpoints(port)) {
    const hasAnyEndpoints = cluster.endpoints.length > 0;
    return Object.freeze({ all: frozenAll, cluster: cluster.endpoints, local: NONE, allReachable: cluster.endpoints, hasAnyEndpoints });
  }
  const local = selectLocalEndpoints(frozenAll);
  let allReachable: readonly Endpoint[];
  if (!usesCluster) allReachable = local.endpoints;
  // Without topology, cluster holds every ready endpoint: a superset of ready local ones.
  else if (cluster.mode === '' && !local.usesServingTerminating) allReachable = cluster.endpoints;
  else allReachable = unionSorted(cluster.endpoints, local.endpoints);
  return Object.freeze({
    all: frozenAll,
    cluster: cluster.endpoints,
    local: local.endpoints,
    allReachable,
    hasAnyEndpoints: local.hasAnyEndpoints || cluster.endpoints.length > 0,
  });
}
