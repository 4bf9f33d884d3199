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
  return 'KUBE-SEP-' + hashedSuffix(servicePortName + lowerProtocol(protocol) + endpoint);
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The first 16 characters of base32(sha256(text)). 16 base32 characters are exactly the first
 * 80 bits (20 hex digits) of the digest, so they are built from the hex digest, 20 bits at a time:
 * Node's hex output is much cheaper than a Buffer, and this runs once per endpoint.
 */
export function hashedSuffix(text: string): string {
  const hex = hash('sha256', text, 'hex');
  let out = '';
  for (let offset = 0; offset < 20; offset += 5) {
    const bits = parseInt(hex.slice(offset, offset + 5), 16);
    out +=
      BASE32_ALPHABET[(bits >>> 15) & 31]! +
      BASE32_ALPHABET[(bits >>> 10) & 31]! +
      BASE32_ALPHABET[(bits >>> 5) & 31]! +
      BASE32_ALPHABET[bits & 31]!;
  }
  return out;
}
