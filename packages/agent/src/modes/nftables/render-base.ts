// The objects that do not depend on any service: base chains with upstream's hooks and
// priorities, the top-level chains and their jump rules, the sets and maps, and the shared
// dispatch chains (one per endpoint count in use).
import type { NftRenderContext } from './render-context.ts';
import * as N from './names.ts';
import { dispatchChainName, dispatchMap, endpointMapName, type DispatchFlavor } from './names.ts';
import { quoteComment } from './nft-text.ts';
import type { NftChain, NftSet } from './port-objects.ts';
import { internalMasqueradeMatch } from './render-affinity.ts';

export interface BaseChain {
  readonly name: string;
  readonly spec: string;
}

// Upstream's priorities (dstnat - 10, dstnat + 10, dstnat, srcnat) as numbers: nft 1.0.6 accepts
// the symbolic names only on their own hooks.
export const BASE_CHAINS: readonly BaseChain[] = [
  { name: N.FILTER_PREROUTING, spec: 'type filter hook prerouting priority -110' },
  { name: N.FILTER_INPUT, spec: 'type filter hook input priority -110' },
  { name: N.FILTER_FORWARD, spec: 'type filter hook forward priority -110' },
  { name: N.FILTER_OUTPUT, spec: 'type filter hook output priority -110' },
  { name: N.FILTER_OUTPUT_POST_DNAT, spec: 'type filter hook output priority -90' },
  { name: N.NAT_PREROUTING, spec: 'type nat hook prerouting priority -100' },
  { name: N.NAT_OUTPUT, spec: 'type nat hook output priority -100' },
  { name: N.NAT_POSTROUTING, spec: 'type nat hook postrouting priority 100' },
];

/** Upstream's nftablesJumpChains, in its order. */
const JUMPS: readonly [target: string, from: string, match: string][] = [
  [N.NODEPORT_ENDPOINTS_CHECK, N.FILTER_INPUT, 'ct state new '],
  [N.SERVICE_ENDPOINTS_CHECK, N.FILTER_INPUT, 'ct state new '],
  [N.SERVICE_ENDPOINTS_CHECK, N.FILTER_FORWARD, 'ct state new '],
  [N.SERVICE_ENDPOINTS_CHECK, N.FILTER_OUTPUT, 'ct state new '],
  [N.FIREWALL_CHECK, N.FILTER_PREROUTING, 'ct state new '],
  [N.FIREWALL_CHECK, N.FILTER_OUTPUT, 'ct state new '],
  [N.SERVICES, N.NAT_OUTPUT, ''],
  [N.SERVICES, N.NAT_PREROUTING, ''],
  [N.MASQUERADING, N.NAT_POSTROUTING, ''],
  [N.CLUSTER_IPS_CHECK, N.FILTER_FORWARD, 'ct state new '],
  [N.CLUSTER_IPS_CHECK, N.FILTER_OUTPUT_POST_DNAT, 'ct state new '],
];

export const TOP_LEVEL_CHAINS: readonly string[] = [
  N.NODEPORT_ENDPOINTS_CHECK,
  N.SERVICE_ENDPOINTS_CHECK,
  N.FIREWALL_CHECK,
  N.SERVICES,
  N.MASQUERADING,
  N.CLUSTER_IPS_CHECK,
  N.MARK_MASQ,
  N.REJECT_CHAIN,
];

/**
 * Pairs live for a second (the lookup is in the same rule as the update); the size bounds the
 * new DNATed connections from distinct sources per second that the check can tell apart.
 */
const HAIRPIN_SET_SIZE = 262144;

export function baseSets(context: NftRenderContext): NftSet[] {
  const { addrType, addr } = context;
  const vipKey = `${addrType} . inet_proto . inet_service`;
  const sets: NftSet[] = [{ kind: 'set', name: N.CLUSTER_IPS, spec: `{ type ${addrType} ; comment ${quoteComment('Active ClusterIPs')} ; }`, dynamic: false }];
  if (context.nodePortAddresses !== undefined) {
    const flags = context.nodePortCIDRs ? ' flags interval ;' : '';
    sets.push({
      kind: 'set',
      name: N.NODEPORT_IPS,
      spec: `{ type ${addrType} ;${flags} comment ${quoteComment('IPs that accept NodePort traffic')} ; }`,
      dynamic: false,
    });
  }
  const maps: [string, string, string][] = [
    [N.NO_ENDPOINT_SERVICES, `${vipKey} : verdict`, 'vmap to drop or reject packets to services with no endpoints'],
    [N.NO_ENDPOINT_NODEPORTS, 'inet_proto . inet_service : verdict', 'vmap to drop or reject packets to service nodeports with no endpoints'],
    [N.FIREWALL_IPS, `${vipKey} : verdict`, 'destinations that are subject to LoadBalancerSourceRanges'],
    [N.SERVICE_IPS, `${vipKey} : verdict`, 'ClusterIP, ExternalIP and LoadBalancer IP traffic'],
    [N.SERVICE_NODEPORTS, 'inet_proto . inet_service : verdict', 'NodePort traffic'],
  ];
  for (const [name, type, comment] of maps) sets.push({ kind: 'map', name, spec: `{ type ${type} ; comment ${quoteComment(comment)} ; }`, dynamic: false });
  for (const kind of N.ENDPOINT_MAP_KINDS) {
    for (const protocol of N.PROTOCOLS) {
      const key = kind.startsWith('nodeport') ? 'th dport' : `${addr} daddr . th dport`;
      const comment = `${protocol} endpoints by ${kind.startsWith('nodeport') ? 'node port' : 'service IP and port'} and index (${kind.endsWith('local') ? 'Local' : 'Cluster'} policy)`;
      const spec = `{ typeof ${key} . numgen random mod 1 : ${addr} daddr . ${protocol} dport ; comment ${quoteComment(comment)} ; }`;
      sets.push({ kind: 'map', name: endpointMapName(kind, protocol), spec, dynamic: false });
    }
  }
  const hairpinComment = quoteComment('source . source of new DNATed connections: source . destination matches a pod reaching itself');
  sets.push({
    kind: 'set',
    name: N.HAIRPIN_PAIRS,
    spec: `{ typeof ${addr} saddr . ${addr} daddr ; flags dynamic,timeout ; timeout 1s ; size ${HAIRPIN_SET_SIZE} ; comment ${hairpinComment} ; }`,
    dynamic: true,
  });
  return sets;
}

/** The rules of base and top-level chains, by chain, in upstream's order. */
export function baseChainRules(context: NftRenderContext): NftChain[] {
  const rules = new Map<string, string[]>();
  const add = (chain: string, rule: string): void => {
    const list = rules.get(chain) ?? [];
    list.push(rule);
    rules.set(chain, list);
  };
  if (!context.tcpBeLiberal) add(N.FILTER_FORWARD, 'ct state invalid drop');
  for (const [target, from, match] of JUMPS) add(from, `${match}jump ${target}`);
  const { addr, masqueradeMark: mark } = context;
  add(N.MARK_MASQ, `mark set mark or ${mark}`);
  // nft cannot compare two fields; `s . d` is in a set of `x . x` pairs only when s == d.
  add(
    N.MASQUERADING,
    `ct status dnat update @${N.HAIRPIN_PAIRS} { ${addr} saddr . ${addr} saddr } ${addr} saddr . ${addr} daddr @${N.HAIRPIN_PAIRS} jump ${N.MARK_MASQ}`,
  );
  add(N.MASQUERADING, `mark and ${mark} == 0 return`);
  add(N.MASQUERADING, `mark set mark xor ${mark}`);
  add(N.MASQUERADING, 'masquerade fully-random');
  add(N.CLUSTER_IPS_CHECK, `${addr} daddr @${N.CLUSTER_IPS} reject comment ${quoteComment('Reject traffic to invalid ports of ClusterIPs')}`);
  if (context.serviceCIDRs.length > 0) {
    add(N.CLUSTER_IPS_CHECK, `${addr} daddr { ${context.serviceCIDRs.join(', ')} } drop comment ${quoteComment('Drop traffic to unallocated ClusterIPs')}`);
  }
  add(N.REJECT_CHAIN, 'reject');
  add(N.SERVICE_ENDPOINTS_CHECK, `${addr} daddr . meta l4proto . th dport vmap @${N.NO_ENDPOINT_SERVICES}`);
  add(N.NODEPORT_ENDPOINTS_CHECK, `${nodePortMatch(context)}meta l4proto . th dport vmap @${N.NO_ENDPOINT_NODEPORTS}`);
  add(N.FIREWALL_CHECK, `${addr} daddr . meta l4proto . th dport vmap @${N.FIREWALL_IPS}`);
  add(N.SERVICES, `${addr} daddr . meta l4proto . th dport vmap @${N.SERVICE_IPS}`);
  add(N.SERVICES, `${nodePortMatch(context)}meta l4proto . th dport vmap @${N.SERVICE_NODEPORTS}`);
  return [...BASE_CHAINS.map((chain) => chain.name), ...TOP_LEVEL_CHAINS].map((name) => ({ name, rules: rules.get(name) ?? [] }));
}

function nodePortMatch(context: NftRenderContext): string {
  if (context.nodePortAddresses === undefined) return `fib daddr type local ${context.noLocalhost} `;
  const set = `${context.addr} daddr @${N.NODEPORT_IPS} `;
  return context.nodePortCIDRs ? `fib daddr type local ${context.noLocalhost} ${set}` : set;
}

/** A shared dispatch chain: DNAT through the protocol's endpoint map, `numgen` over `count` endpoints. */
export function dispatchChain(context: NftRenderContext, flavor: DispatchFlavor, protocol: string, count: number): NftChain {
  const { addr } = context;
  const map = dispatchMap(flavor);
  const key = map.startsWith('nodeport') ? 'th dport' : `${addr} daddr . th dport`;
  const rules: string[] = [];
  if (flavor === 'external' || flavor === 'nodeport') rules.push(`jump ${N.MARK_MASQ}`);
  const masq = internalMasqueradeMatch(context);
  if ((flavor === 'cluster' || flavor === 'local') && masq !== undefined) rules.push(`${addr} daddr @${N.CLUSTER_IPS} ${masq}jump ${N.MARK_MASQ}`);
  rules.push(`meta l4proto ${protocol} dnat ${addr} to ${key} . numgen random mod ${count} map @${endpointMapName(map, protocol)}`);
  return { name: dispatchChainName(flavor, protocol, count), rules };
}
