// nftables object names: upstream's table, base chains, sets and maps (pkg/proxy/nftables),
// its per-service chain names (`service-HASH-ns/name/proto/port`), and the names of what kpx's
// flat layout adds (the endpoint maps and the shared dispatch chains, one per endpoint count).
import { hash } from 'node:crypto';
import type { Protocol, ServicePortName } from '../../model/types.ts';

export const DEFAULT_TABLE = 'kube-proxy';

export const FILTER_PREROUTING = 'filter-prerouting';
export const FILTER_INPUT = 'filter-input';
export const FILTER_FORWARD = 'filter-forward';
export const FILTER_OUTPUT = 'filter-output';
export const FILTER_OUTPUT_POST_DNAT = 'filter-output-post-dnat';
export const NAT_PREROUTING = 'nat-prerouting';
export const NAT_OUTPUT = 'nat-output';
export const NAT_POSTROUTING = 'nat-postrouting';

export const SERVICES = 'services';
export const SERVICE_IPS = 'service-ips';
export const SERVICE_NODEPORTS = 'service-nodeports';
export const NODEPORT_IPS = 'nodeport-ips';
export const CLUSTER_IPS = 'cluster-ips';
export const SERVICE_ENDPOINTS_CHECK = 'service-endpoints-check';
export const NODEPORT_ENDPOINTS_CHECK = 'nodeport-endpoints-check';
export const NO_ENDPOINT_SERVICES = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
export const REJECT_CHAIN = 'reject-chain';
export const CLUSTER_IPS_CHECK = 'cluster-ips-check';
export const FIREWALL_IPS = 'firewall-ips';
export const FIREWALL_CHECK = 'firewall-check';
export const MARK_MASQ = 'mark-for-masquerade';
export const MASQUERADING = 'masquerading';
/**
 * kpx: a dynamic set of `source . source` pairs, one per new DNATed connection, so that the
 * lookup of `source . destination` matches exactly when a pod reaches itself through a service.
 */
export const HAIRPIN_PAIRS = 'hairpin-pairs';

/**
 * kpx's flat endpoint maps: `numgen` index → endpoint, keyed by service IP (or node port) and
 * port. Which list a key holds follows the traffic policy of the path that looks it up.
 */
export type EndpointMapKind = 'cluster' | 'local' | 'nodeport-cluster' | 'nodeport-local';
export const ENDPOINT_MAP_KINDS: readonly EndpointMapKind[] = ['cluster', 'local', 'nodeport-cluster', 'nodeport-local'];

export const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

/** One map per protocol: nft 1.0.6 cannot mix protocols in a map whose data is typed by a port. */
export function endpointMapName(kind: EndpointMapKind, protocol: string): string {
  return `${kind}-endpoints-${protocol}`;
}

/**
 * The shared chains that DNAT through an endpoint map: `flavor-N` for N endpoints. `external`
 * and `nodeport` (external traffic, Cluster policy) first mark the packet for masquerading.
 */
export type DispatchFlavor = EndpointMapKind | 'external' | 'nodeport';

export function dispatchChainName(flavor: DispatchFlavor, protocol: string, count: number): string {
  const base = flavor === 'external' ? 'external-cluster' : flavor === 'nodeport' ? 'nodeport-external' : flavor;
  return `${base}-endpoints-${protocol}-${count}`;
}

export function dispatchMap(flavor: DispatchFlavor): EndpointMapKind {
  if (flavor === 'external') return 'cluster';
  if (flavor === 'nodeport') return 'nodeport-cluster';
  return flavor;
}

export function lowerProtocol(protocol: Protocol): string {
  return protocol === 'TCP' ? 'tcp' : protocol === 'UDP' ? 'udp' : 'sctp';
}

/** nft's name limit is 256; upstream keeps 16 for the prefix. */
const NAME_BASE_MAX = 256 - 16;

/** Upstream's hashAndTruncate: base32(sha256(name))[:8] + '-' + name, cut to fit. */
export function hashAndTruncate(name: string): string {
  const encoded = base32(hash('sha256', name, 'buffer')).slice(0, 8);
  const full = `${encoded}-${name}`;
  return full.length > NAME_BASE_MAX ? `${full.slice(0, NAME_BASE_MAX - 3)}...` : full;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** `ns/name:port` → its parts; the port name is '' for an unnamed port. */
function splitServicePortName(servicePortName: ServicePortName): { namespaced: string; portName: string } {
  const colon = servicePortName.indexOf(':');
  return colon < 0
    ? { namespaced: servicePortName, portName: '' }
    : { namespaced: servicePortName.slice(0, colon), portName: servicePortName.slice(colon + 1) };
}

/** Upstream's servicePortChainNameBase: `HASH-ns/name/proto/port`. */
export function servicePortChainBase(servicePortName: ServicePortName, protocol: Protocol): string {
  const { namespaced, portName } = splitServicePortName(servicePortName);
  return hashAndTruncate(`${namespaced}/${lowerProtocol(protocol)}/${portName}`);
}

/** Upstream's servicePortEndpointChainNameBase: `HASH-ns/name/proto/port__ip/port` (IPv6 colons as dots). */
export function endpointChainBase(servicePortName: ServicePortName, protocol: Protocol, ip: string, port: number): string {
  const { namespaced, portName } = splitServicePortName(servicePortName);
  return hashAndTruncate(`${namespaced}/${lowerProtocol(protocol)}/${portName}__${ip.replaceAll(':', '.')}/${port}`);
}

export interface ServiceChainNames {
  readonly cluster: string;
  readonly local: string;
  readonly external: string;
  /** kpx: the external chain of node port traffic, where it cannot share `external` (Local policy). */
  readonly nodeport: string;
  readonly firewall: string;
}

export function serviceChainNames(servicePortName: ServicePortName, protocol: Protocol): ServiceChainNames {
  const base = servicePortChainBase(servicePortName, protocol);
  return {
    cluster: `service-${base}`,
    local: `local-${base}`,
    external: `external-${base}`,
    nodeport: `nodeport-${base}`,
    firewall: `firewall-${base}`,
  };
}
