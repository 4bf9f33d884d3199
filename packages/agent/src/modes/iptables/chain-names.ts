// kube-proxy's chain names, byte for byte, so that kpx can take over a node from kube-proxy
// (and an operator's muscle memory still works). Upstream: pkg/proxy/iptables/proxier.go,
// portProtoHash and servicePortEndpointChainName.
import { hash } from 'node:crypto';
import type { Protocol, ServicePortName } from '../../model/types.ts';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** kubelet's anti-martian chain, duplicated by kube-proxy when localhost node ports are on. */
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;

/** Whether a chain is one of the per-service or per-endpoint chains (upstream's isServiceChainName). */
export function isServiceChainName(chain: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((prefix) => chain.startsWith(prefix));
}

/** The four per-service-port chains; which of them a port really uses is decided elsewhere. */
export interface ServiceChainNames {
  /** KUBE-SVC-: endpoints for Cluster traffic policy. */
  readonly cluster: string;
  /** KUBE-SVL-: endpoints for Local traffic policy. */
  readonly local: string;
  /** KUBE-EXT-: external destinations (node port, external IP, load balancer IP). */
  readonly external: string;
  /** KUBE-FW-: loadBalancerSourceRanges filter. */
  readonly firewall: string;
}

export function lowerProtocol(protocol: Protocol): string {
  return protocol === 'TCP' ? 'tcp' : protocol === 'UDP' ? 'udp' : 'sctp';
}

export function serviceChainNames(servicePortName: ServicePortName, protocol: Protocol): ServiceChainNames {
  const portProtoHash = hashedSuffix(servicePortName + lowerProtocol(protocol));
  return {
    cluster: 'KUBE-SVC-' + portProtoHash,
    local: 'KUBE-SVL-' + portProtoHash,
    external: 'KUBE-EXT-' + portProtoHash,
    firewall: 'KUBE-FW-' + portProtoHash,
  };
}

/** KUBE-SEP- chain of one endpoint; `endpoint` is upstream's Endpoint.String() (`ip:port`, `[ip6]:port`). */
export function endpointChainName(servicePortName: ServicePortName, protocol: Protocol, endpoint: string): string {
  return hashedName(SEP_PREFIX, servicePortName + lowerProtocol(protocol) + endpoint);
}

/** The first 16 characters of base32(sha256(text)), upstream's portProtoHash. */
export function hashedSuffix(text: string): string {
  return hashedName(NO_PREFIX, text);
}

const NO_PREFIX = '';
const SEP_PREFIX = 'KUBE-SEP-';
const BASE32_CODES = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', (char) => char.charCodeAt(0));
/** Scratch space for the character codes of one name, per total length (suffix alone, or KUBE-SEP-). */
const scratch = new Map<number, number[]>([16, 25].map((length) => [length, new Array<number>(length).fill(0)]));

/**
 * prefix + base32(sha256(text))[:16]. The 16 base32 characters are exactly the first 80 bits
 * (10 bytes) of the digest, taken 40 bits (5 bytes → 8 characters) at a time. The digest comes
 * as a 32-character 'binary' (latin1) string, one character per byte: smaller than hex, and
 * cheaper than a Buffer. The name is built from character codes in one go, so it is a flat
 * string: this runs once per endpoint, and each name is written 4 times.
 */
function hashedName(prefix: string, text: string): string {
  const digest = hash('sha256', text, 'binary');
  const codes = scratch.get(prefix.length + 16)!;
  let at = 0;
  for (; at < prefix.length; at++) codes[at] = prefix.charCodeAt(at);
  for (let offset = 0; offset < 10; offset += 5) {
    // 40 bits do not fit a 32-bit integer: the top 8 go in `high`, the low 32 in `low`.
    const high = digest.charCodeAt(offset);
    const low =
      ((digest.charCodeAt(offset + 1) << 24) | (digest.charCodeAt(offset + 2) << 16) | (digest.charCodeAt(offset + 3) << 8) | digest.charCodeAt(offset + 4)) >>>
      0;
    codes[at++] = BASE32_CODES[high >>> 3]!;
    codes[at++] = BASE32_CODES[((high & 7) << 2) | (low >>> 30)]!;
    codes[at++] = BASE32_CODES[(low >>> 25) & 31]!;
    codes[at++] = BASE32_CODES[(low >>> 20) & 31]!;
    codes[at++] = BASE32_CODES[(low >>> 15) & 31]!;
    codes[at++] = BASE32_CODES[(low >>> 10) & 31]!;
    codes[at++] = BASE32_CODES[(low >>> 5) & 31]!;
    codes[at++] = BASE32_CODES[low & 31]!;
  }
  return String.fromCharCode.apply(null, codes);
}
