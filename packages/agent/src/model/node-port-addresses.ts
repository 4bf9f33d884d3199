// Where node ports are served, as upstream's NodePortAddresses (pkg/proxy/util/nodeport_addresses.go):
// kube-proxy's --nodeport-addresses filtered to one IP family, with `primary` standing for the
// primary node IP. No CIDR of the family (or a zero CIDR) means every local address (MatchAll).
// Pure; every mode takes its node-port addresses from here.
import { cidrContains } from './cidr-match.ts';
import type { IPFamily, NodeContext } from './types.ts';
import { isParsedCIDR, parseCIDR } from './validate/cidr.ts';
import { isParsedIP, parseIP } from './validate/ip.ts';

export interface NodePortAddresses {
  readonly family: IPFamily;
  /** The CIDRs of `family` node ports answer in; the family's zero CIDR when matchAll. */
  readonly cidrs: readonly string[];
  /** Every local address of the family (upstream's MatchAll). */
  readonly matchAll: boolean;
  /** Whether 127.0.0.1 can be a node-port address (upstream's ContainsIPv4Loopback). */
  readonly containsIPv4Loopback: boolean;
}

const ZERO_CIDR: Readonly<Record<IPFamily, string>> = { IPv4: '0.0.0.0/0', IPv6: '::/0' };

/** The CIDR `entry` stands for in `family` (`primary` → the primary IP's host CIDR), or undefined. */
function familyCIDR(entry: string, family: IPFamily, primaryIP: string | undefined): { cidr: string; isZero: boolean } | undefined {
  if (entry === 'primary') {
    const primary = primaryIP === undefined ? undefined : parseIP(primaryIP);
    if (primary === undefined || !isParsedIP(primary) || primary.family !== family) return undefined;
    return { cidr: `${primaryIP}/${family === 'IPv4' ? 32 : 128}`, isZero: false };
  }
  const parsed = parseCIDR(entry);
  if (!isParsedCIDR(parsed) || parsed.family !== family) return undefined;
  return { cidr: entry, isZero: parsed.prefixLength === 0 };
}

function isIPv4LoopbackCIDR(cidr: string): boolean {
  // upstream: cidr.IP.IsLoopback() || cidr.Contains(127.0.0.0)
  return cidrContains('127.0.0.0/8', cidr.split('/')[0] ?? '') || cidrContains(cidr, '127.0.0.0');
}

/** Upstream's NewNodePortAddresses(family, cidrStrings), `primary` resolved to `primaryIP`. */
export function newNodePortAddresses(family: IPFamily, entries: readonly string[], primaryIP: string | undefined): NodePortAddresses {
  const cidrs: string[] = [];
  for (const entry of entries) {
    const resolved = familyCIDR(entry, family, primaryIP);
    if (resolved === undefined) continue;
    if (resolved.isZero) return matchAll(family);
    cidrs.push(resolved.cidr);
  }
  if (cidrs.length === 0) return matchAll(family);
  return { family, cidrs, matchAll: false, containsIPv4Loopback: family === 'IPv4' && cidrs.some(isIPv4LoopbackCIDR) };
}

function matchAll(family: IPFamily): NodePortAddresses {
  return { family, cidrs: [ZERO_CIDR[family]], matchAll: true, containsIPv4Loopback: family === 'IPv4' };
}

/** The node-port addresses of the node a DesiredState describes (its family, its primary IP). */
export function nodePortAddressesOf(node: NodeContext): NodePortAddresses {
  return newNodePortAddresses(node.ipFamily, node.nodePortAddresses, node.nodeIPs[0]);
}

/**
 * The addresses a node port may answer on: the host's interface addresses as I/O read them
 * (upstream's interfacer), then the node IPs (all a pure plan has when nothing read them).
 */
export function nodePortCandidates(node: NodeContext): string[] {
  return [...new Set([...node.localAddresses, ...node.nodeIPs])];
}

/** An IPv6 link-local address: unusable as a listening or virtual-server address without a zone. */
export function isLinkLocalIPv6(ip: string): boolean {
  return ip.includes(':') && cidrContains('fe80::/10', ip);
}

/**
 * Upstream's GetNodeIPs over the addresses given instead of the host's interfaces: those in
 * one of the CIDRs (all when matchAll), each once, in order. A pure plan passes the node IPs.
 */
export function nodeIPsIn(addresses: NodePortAddresses, candidates: readonly string[]): string[] {
  const found: string[] = [];
  for (const ip of candidates) {
    if (found.includes(ip)) continue;
    if (addresses.matchAll || addresses.cidrs.some((cidr) => cidrContains(cidr, ip))) found.push(ip);
  }
  return found;
}
