// What the real API server does to a Service written through the API: defaulting
// (type, sessionAffinity, port protocol and targetPort, traffic policies, IP families) and
// allocation of a ClusterIP and NodePorts, kept across updates. Fields of the wrong shape
// are left alone: kpx's model, not this server, is what must cope with garbage. Pure.
import { isJsonObject, type JsonObject, type JsonValue } from './patch/json-value.ts';

export interface ServiceAllocations {
  /** ClusterIPs in use by other Services. */
  readonly usedClusterIPs: ReadonlySet<string>;
  readonly usedNodePorts: ReadonlySet<number>;
  /** IPv4 service CIDR, e.g. 10.96.0.0/12. */
  readonly serviceCIDR: string;
}

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4ToNumber(ip: string): number | undefined {
  const match = IPV4.exec(ip);
  if (match === null) return undefined;
  const parts = match.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function allocateClusterIP(cidr: string, used: ReadonlySet<string>): string | undefined {
  const [base, bits] = cidr.split('/');
  const start = ipv4ToNumber(base ?? '');
  const prefix = Number(bits);
  if (start === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) return undefined;
  const size = 2 ** (32 - prefix);
  const network = start - (start % size);
  // Sequential from .11 so that output is reproducible (upstream picks at random); .1 (the
  // kubernetes Service) and .10 (cluster DNS, by convention) stay free for seeds that name them.
  for (let offset = 11; offset < size - 1; offset += 1) {
    const candidate = numberToIpv4(network + offset);
    if (!used.has(candidate)) return candidate;
  }
  return undefined;
}

function allocateNodePort(used: Set<number>): number | undefined {
  for (let port = NODE_PORT_MIN; port <= NODE_PORT_MAX; port += 1) {
    if (!used.has(port)) {
      used.add(port);
      return port;
    }
  }
  return undefined;
}

function defaultPorts(ports: JsonValue | undefined, needsNodePorts: boolean, usedNodePorts: Set<number> | undefined): JsonValue | undefined {
  if (!Array.isArray(ports)) return ports;
  return ports.map((port) => {
    if (!isJsonObject(port)) return port;
    const out: JsonObject = { ...port };
    out.protocol ??= 'TCP';
    if (out.targetPort === undefined || out.targetPort === 0) out.targetPort = out.port ?? null;
    if (needsNodePorts && (out.nodePort === undefined || out.nodePort === 0) && usedNodePorts !== undefined) {
      const allocated = allocateNodePort(usedNodePorts);
      if (allocated !== undefined) out.nodePort = allocated;
    }
    return out;
  });
}

/** Defaults every write gets; allocations only when `allocations` is given (create). */
export function defaultServiceSpec(spec: JsonValue | undefined, allocations: ServiceAllocations | undefined): JsonValue | undefined {
  if (spec !== undefined && !isJsonObject(spec)) return spec;
  const out: JsonObject = { ...(spec ?? {}) };
  out.type ??= 'ClusterIP';
  const type = out.type;
  out.sessionAffinity ??= 'None';
  if (out.sessionAffinity === 'ClientIP') out.sessionAffinityConfig ??= { clientIP: { timeoutSeconds: 10800 } };
  if (type !== 'ExternalName') {
    if ((out.clusterIP === undefined || out.clusterIP === '') && allocations !== undefined) {
      const allocated = allocateClusterIP(allocations.serviceCIDR, allocations.usedClusterIPs);
      if (allocated !== undefined) out.clusterIP = allocated;
    }
    if (typeof out.clusterIP === 'string' && out.clusterIP !== '') {
      out.clusterIPs ??= [out.clusterIP];
      out.ipFamilies ??= [out.clusterIP.includes(':') ? 'IPv6' : 'IPv4'];
      out.ipFamilyPolicy ??= 'SingleStack';
    }
    out.internalTrafficPolicy ??= 'Cluster';
  }
  const exposesNodePorts = type === 'NodePort' || type === 'LoadBalancer';
  if (exposesNodePorts) out.externalTrafficPolicy ??= 'Cluster';
  if (type === 'LoadBalancer') out.allocateLoadBalancerNodePorts ??= true;
  const needsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && out.allocateLoadBalancerNodePorts !== false);
  const usedNodePorts = allocations === undefined ? undefined : new Set(allocations.usedNodePorts);
  const ports = defaultPorts(out.ports, needsNodePorts, usedNodePorts);
  if (ports !== undefined) out.ports = ports;
  return out;
}

/** An update that leaves allocated fields empty keeps the stored ones (upstream's patchAllocatedValues). */
export function keepAllocatedValues(next: JsonValue | undefined, current: JsonValue | undefined): JsonValue | undefined {
  if (!isJsonObject(next) || !isJsonObject(current)) return next;
  const out: JsonObject = { ...next };
  for (const key of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) {
    if ((out[key] === undefined || out[key] === '') && current[key] !== undefined) out[key] = current[key];
  }
  if (Array.isArray(out.ports) && Array.isArray(current.ports)) {
    const oldPorts = current.ports;
    out.ports = out.ports.map((port) => {
      if (!isJsonObject(port) || (port.nodePort !== undefined && port.nodePort !== 0)) return port;
      const old = oldPorts.find((p) => isJsonObject(p) && p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      return isJsonObject(old) && typeof old.nodePort === 'number' && (out.type === 'NodePort' || out.type === 'LoadBalancer')
        ? { ...port, nodePort: old.nodePort }
        : port;
    });
  }
  return out;
}
