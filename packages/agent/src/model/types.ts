// The normalized desired state every mode consumes. Everything here is plain,
// immutable data: modes never look at raw Kubernetes objects.

export type IPFamily = 'IPv4' | 'IPv6';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Upstream's ServicePortName string: `ns/name:portName`, or `ns/name` for an unnamed port. */
export type ServicePortName = string;

/** How kpx tells traffic from local pods apart (kube-proxy's --detect-local-mode). */
export type LocalDetector =
  | { readonly mode: 'ClusterCIDR'; readonly cidrs: readonly string[] }
  | { readonly mode: 'NodeCIDR'; readonly cidrs: readonly string[] }
  | { readonly mode: 'BridgeInterface'; readonly interfaceName: string }
  | { readonly mode: 'InterfaceNamePrefix'; readonly interfacePrefix: string }
  | { readonly mode: 'None' };

/** What a mode needs to know about the node it programs. */
export interface NodeContext {
  readonly nodeName: string;
  /** The one IP family this proxier instance serves. */
  readonly ipFamily: IPFamily;
  /** This node's addresses of `ipFamily`, primary first. */
  readonly nodeIPs: readonly string[];
  readonly zone: string | undefined;
  readonly detectLocal: LocalDetector;
  readonly masqueradeAll: boolean;
  /** Bit of the packet mark used for masquerading (kube-proxy default 14). */
  readonly masqueradeBit: number;
  /** CIDRs node ports are served on; `['primary']` or `[]` as kube-proxy's --nodeport-addresses. */
  readonly nodePortAddresses: readonly string[];
  /** The host's interface addresses of `ipFamily` (canonical), as read by I/O; [] when not read. */
  readonly localAddresses: readonly string[];
  /** The nfacct counters that exist where the rules live (upstream's nfAcctCounters); [] when none. */
  readonly nfacctCounters: readonly string[];
  /** Whether NodePorts answer on 127.0.0.1 (iptables mode, IPv4 only). */
  readonly localhostNodePorts: boolean;
}

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`, `[ip]:port` for IPv6: upstream's Endpoint.String(), used in chain hashes. */
  readonly endpoint: string;
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName: string | undefined;
  readonly zone: string | undefined;
  readonly zoneHints: readonly string[];
}

/** The endpoint subsets of a service port, as upstream's CategorizeEndpoints computes them. */
export interface CategorizedEndpoints {
  /** Every endpoint of the port, deduplicated, sorted by `endpoint`, whatever its conditions. */
  readonly all: readonly Endpoint[];
  /** Endpoints for Cluster traffic policy (topology and terminating fallback applied); empty when unused. */
  readonly cluster: readonly Endpoint[];
  /** Endpoints for Local traffic policy; empty when unused. */
  readonly local: readonly Endpoint[];
  /** Union of `cluster` and `local`: every endpoint some traffic to this port can reach. */
  readonly allReachable: readonly Endpoint[];
  /** Whether any usable (ready, or serving-terminating) endpoint exists anywhere. */
  readonly hasAnyEndpoints: boolean;
}

export type SessionAffinity = { readonly type: 'None' } | { readonly type: 'ClientIP'; readonly timeoutSeconds: number };

export interface ServicePort {
  readonly servicePortName: ServicePortName;
  readonly namespace: string;
  readonly name: string;
  /** The Service port's name, '' when unnamed. */
  readonly portName: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  /** 0 when the port has none. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** LoadBalancer ingress IPs of this family, without those with `ipMode: Proxy`. */
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  /** 0 when the service has none. */
  readonly healthCheckNodePort: number;
  readonly sessionAffinity: SessionAffinity;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  /** Whether external traffic (node port, external IP, LB IP) can reach this port at all. */
  readonly externallyAccessible: boolean;
  readonly endpoints: CategorizedEndpoints;
}

export interface DesiredState {
  readonly node: NodeContext;
  /** Keyed by ServicePortName, iterated in sorted key order. */
  readonly servicePorts: ReadonlyMap<ServicePortName, ServicePort>;
}

export type ObjectKind = 'Service' | 'EndpointSlice' | 'Node';

/**
 * Something wrong with, or deliberately ignored in, one input object.
 * `error`: the object was invalid and skipped whole. `invalid-part`: an invalid part (one
 * endpoint of a slice, or an unused address of one, named by `field`) was skipped; the rest was
 * used. `ignored`: a valid part kpx does not serve (e.g. the other IP family of a dual-stack
 * service); the rest was used. `warning`: a value read leniently as upstream reads it (a legacy
 * IPv4 literal with leading zeros); all of it was used.
 */
export interface Problem {
  readonly severity: 'error' | 'invalid-part' | 'ignored' | 'warning';
  readonly kind: ObjectKind;
  readonly namespace: string;
  readonly name: string;
  readonly field: string;
  readonly value: string;
  readonly reason: string;
}
