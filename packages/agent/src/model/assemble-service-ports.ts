// A parsed Service and the slices labelled with its name → one ServicePort per spec port,
// its endpoints joined by slice port name and protocol (how named targetPorts resolve).
import { categorizeEndpoints, type NodeTopology } from './categorize.ts';
import type { ParsedSlice } from './parse-endpoint-slice.ts';
import type { ParsedService } from './parse-service.ts';
import type { ServiceSpecPort } from './service-spec-ports.ts';
import { sortDeduplicated, type SlicePortEndpoints } from './slice-port-endpoints.ts';
import type { Endpoint, ServicePort } from './types.ts';

interface JoinedEndpoints {
  readonly endpoints: readonly Endpoint[];
  readonly nodeHints: ReadonlyMap<Endpoint, readonly string[]> | undefined;
}

const NO_ENDPOINTS: JoinedEndpoints = { endpoints: Object.freeze([]), nodeHints: undefined };

export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`;
}

/** Slices must come sorted by name: duplicates then resolve the same way every time. */
function joinEndpoints(port: ServiceSpecPort, slices: readonly ParsedSlice[]): JoinedEndpoints {
  const matching: SlicePortEndpoints[] = [];
  for (const slice of slices) {
    for (const slicePort of slice.ports) {
      if (slicePort.portName === port.name && slicePort.protocol === port.protocol) matching.push(slicePort);
    }
  }
  const [first] = matching;
  if (first === undefined) return NO_ENDPOINTS;
  if (matching.length === 1) return { endpoints: first.endpoints, nodeHints: first.nodeHints };
  const endpoints: Endpoint[] = [];
  let nodeHints: Map<Endpoint, readonly string[]> | undefined;
  for (const slicePort of matching) {
    endpoints.push(...slicePort.endpoints);
    for (const [endpoint, hints] of slicePort.nodeHints) (nodeHints ??= new Map()).set(endpoint, hints);
  }
  return { endpoints: Object.freeze(sortDeduplicated(endpoints)), nodeHints };
}

export function assembleServicePorts(service: ParsedService, slices: readonly ParsedSlice[], node: NodeTopology): ServicePort[] {
  return service.ports.map((port) => {
    const externallyAccessible = port.nodePort !== 0 || service.loadBalancerVIPs.length > 0 || service.externalIPs.length > 0;
    const joined = joinEndpoints(port, slices);
    const policy = { internalPolicyLocal: service.internalPolicyLocal, externalPolicyLocal: service.externalPolicyLocal, externallyAccessible };
    return Object.freeze({
      servicePortName: servicePortName(service.namespace, service.name, port.name),
      namespace: service.namespace,
      name: service.name,
      portName: port.name,
      protocol: port.protocol,
      clusterIP: service.clusterIP,
      port: port.port,
      nodePort: port.nodePort,
      externalIPs: service.externalIPs,
      loadBalancerVIPs: service.loadBalancerVIPs,
      loadBalancerSourceRanges: service.loadBalancerSourceRanges,
      healthCheckNodePort: service.healthCheckNodePort,
      sessionAffinity: service.sessionAffinity,
      externalPolicyLocal: service.externalPolicyLocal,
      internalPolicyLocal: service.internalPolicyLocal,
      externallyAccessible,
      endpoints: categorizeEndpoints(joined.endpoints, policy, node, joined.nodeHints),
    });
  });
}
