// What every nftables render step needs to know about the node, computed once per plan.
import type { DesiredState, LocalDetector } from '../../model/types.ts';
import { assertAddress, assertNftName, quoteInterface } from './nft-text.ts';
import type { NftablesModeOptions } from './plan-types.ts';
import { DEFAULT_TABLE } from './names.ts';

export interface NftRenderContext {
  /** `ip kube-proxy`: what follows `add chain` / `add rule` … */
  readonly target: string;
  readonly family: 'ip' | 'ip6';
  readonly table: string;
  /** `ip` / `ip6`, as in `ip daddr`. */
  readonly addr: string;
  /** `ipv4_addr` / `ipv6_addr`. */
  readonly addrType: string;
  readonly noLocalhost: string;
  readonly masqueradeMark: string;
  readonly masqueradeAll: boolean;
  /** Matches traffic from local pods, or undefined when the detector is None. */
  readonly ifLocal: string | undefined;
  readonly ifNotLocal: string | undefined;
  /** The node's primary IP of this family, for loadBalancerSourceRanges. */
  readonly nodeIP: string | undefined;
  /** undefined: every local address (`fib daddr type local`); else addresses or CIDRs for @nodeport-ips. */
  readonly nodePortAddresses: readonly string[] | undefined;
  readonly nodePortCIDRs: boolean;
  readonly tcpBeLiberal: boolean;
  readonly serviceCIDRs: readonly string[];
}

export function buildNftRenderContext(state: DesiredState, options: NftablesModeOptions): NftRenderContext {
  const { node } = state;
  const isIPv6 = node.ipFamily === 'IPv6';
  const family = isIPv6 ? 'ip6' : 'ip';
  const table = assertNftName(options.tableName === undefined || options.tableName === '' ? DEFAULT_TABLE : options.tableName);
  const local = localMatches(node.detectLocal, family);
  const nodePort = nodePortAddresses(node.nodePortAddresses, node.nodeIPs, isIPv6);
  return {
    target: `${family} ${table}`,
    family,
    table,
    addr: family,
    addrType: isIPv6 ? 'ipv6_addr' : 'ipv4_addr',
    noLocalhost: isIPv6 ? 'ip6 daddr != ::1' : 'ip daddr != 127.0.0.0/8',
    masqueradeMark: `0x${(1 << node.masqueradeBit).toString(16).padStart(8, '0')}`,
    masqueradeAll: node.masqueradeAll,
    ifLocal: local?.ifLocal,
    ifNotLocal: local?.ifNotLocal,
    nodeIP: node.nodeIPs[0],
    nodePortAddresses: nodePort.addresses,
    nodePortCIDRs: nodePort.cidrs,
    tcpBeLiberal: options.tcpBeLiberal ?? false,
    serviceCIDRs: (options.serviceCIDRs ?? []).map(assertAddress),
  };
}

function localMatches(detector: LocalDetector, family: string): { ifLocal: string; ifNotLocal: string } | undefined {
  switch (detector.mode) {
    case 'ClusterCIDR':
    case 'NodeCIDR': {
      const cidr = detector.cidrs[0];
      if (cidr === undefined) return undefined;
      return { ifLocal: `${family} saddr ${assertAddress(cidr)}`, ifNotLocal: `${family} saddr != ${assertAddress(cidr)}` };
    }
    case 'BridgeInterface':
      return { ifLocal: `iifname ${quoteInterface(detector.interfaceName)}`, ifNotLocal: `iifname != ${quoteInterface(detector.interfaceName)}` };
    case 'InterfaceNamePrefix':
      return {
        ifLocal: `iifname ${quoteInterface(`${detector.interfacePrefix}*`)}`,
        ifNotLocal: `iifname != ${quoteInterface(`${detector.interfacePrefix}*`)}`,
      };
    case 'None':
      return undefined;
  }
}

/**
 * Upstream's nftables default is `primary` (kube-proxy sets it when the list is empty). A
 * 0.0.0.0/0 (::/0) CIDR matches every local address; other CIDRs go into @nodeport-ips as
 * intervals, matched with `fib daddr type local` as upstream's interface scan would.
 */
function nodePortAddresses(
  configured: readonly string[],
  nodeIPs: readonly string[],
  isIPv6: boolean,
): { addresses: readonly string[] | undefined; cidrs: boolean } {
  const list = configured.length === 0 ? ['primary'] : configured;
  if (list[0] === 'primary') return { addresses: nodeIPs.slice(0, 1).map(assertAddress), cidrs: false };
  const ofFamily = list.filter((cidr) => cidr.includes(':') === isIPv6);
  if (ofFamily.some((cidr) => cidr === '0.0.0.0/0' || cidr === '::/0')) return { addresses: undefined, cidrs: false };
  const loopback = isIPv6 ? '::1/128' : '127.0.0.0/8';
  return { addresses: ofFamily.filter((cidr) => cidr !== loopback).map(assertAddress), cidrs: true };
}
