// The small iptables ruleset of IPVS mode (upstream's writeIptablesRules): rules matching
// kpx's ipsets for masquerade, node ports, load balancers and source ranges, the
// KUBE-IPVS-FILTER guard, and the jumps from the built-in chains (iptablesJumpChain).
import type { JumpRule } from '../../netfilter/jump-rule.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import { chainLine, joinTables, LineBuffer } from '../../netfilter/restore-text.ts';
import {
  FILTER_CHAINS,
  ipsetInfo,
  kernelSetName,
  KUBE_CLUSTER_IP,
  KUBE_EXTERNAL_IP,
  KUBE_EXTERNAL_IP_LOCAL,
  KUBE_FORWARD,
  KUBE_HEALTH_CHECK_NODE_PORT,
  KUBE_IPVS_FILTER,
  KUBE_IPVS_IPS,
  KUBE_IPVS_OUT_FILTER,
  KUBE_LOAD_BALANCER,
  KUBE_LOAD_BALANCER_FW,
  KUBE_LOAD_BALANCER_LOCAL,
  KUBE_LOAD_BALANCER_SET,
  KUBE_LOAD_BALANCER_SOURCE_CIDR,
  KUBE_LOAD_BALANCER_SOURCE_IP,
  KUBE_LOOP_BACK,
  KUBE_MARK_MASQ,
  KUBE_NODE_PORT,
  KUBE_NODE_PORT_LOCAL_SCTP,
  KUBE_NODE_PORT_LOCAL_TCP,
  KUBE_NODE_PORT_LOCAL_UDP,
  KUBE_NODE_PORT_SCTP,
  KUBE_NODE_PORT_TCP,
  KUBE_NODE_PORT_UDP,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
  KUBE_SOURCE_RANGES_FIREWALL,
  NAT_CHAINS,
} from './kernel-names.ts';
import type { IpvsIptablesPart, NoNodeAccess } from './plan-types.ts';

interface SetJump {
  readonly set: string;
  readonly table: 'nat' | 'filter';
  readonly from: string;
  readonly to: string;
  readonly match: string;
  readonly protocol?: string;
}

/** upstream's ipsetWithIptablesChain: written only for non-empty sets, in this order. */
const SET_JUMPS: readonly SetJump[] = [
  { set: KUBE_LOOP_BACK, table: 'nat', from: KUBE_POSTROUTING, to: 'MASQUERADE', match: 'dst,dst,src' },
  { set: KUBE_LOAD_BALANCER_SET, table: 'nat', from: KUBE_SERVICES, to: KUBE_LOAD_BALANCER, match: 'dst,dst' },
  { set: KUBE_LOAD_BALANCER_LOCAL, table: 'nat', from: KUBE_LOAD_BALANCER, to: 'RETURN', match: 'dst,dst' },
  { set: KUBE_NODE_PORT_LOCAL_TCP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', match: 'dst', protocol: 'tcp' },
  { set: KUBE_NODE_PORT_TCP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, match: 'dst', protocol: 'tcp' },
  { set: KUBE_NODE_PORT_LOCAL_UDP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', match: 'dst', protocol: 'udp' },
  { set: KUBE_NODE_PORT_UDP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, match: 'dst', protocol: 'udp' },
  { set: KUBE_NODE_PORT_LOCAL_SCTP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', match: 'dst,dst', protocol: 'sctp' },
  { set: KUBE_NODE_PORT_SCTP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, match: 'dst,dst', protocol: 'sctp' },
  { set: KUBE_LOAD_BALANCER_FW, table: 'filter', from: KUBE_PROXY_FIREWALL, to: KUBE_SOURCE_RANGES_FIREWALL, match: 'dst,dst' },
  { set: KUBE_LOAD_BALANCER_SOURCE_CIDR, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: 'RETURN', match: 'dst,dst,src' },
  { set: KUBE_LOAD_BALANCER_SOURCE_IP, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: 'RETURN', match: 'dst,dst,src' },
];

function jump(table: JumpRule['table'], chain: string, target: string, comment: string): JumpRule {
  return { table, chain, target, args: ['-m', 'comment', '--comment', comment], position: 'prepend' };
}

/** upstream's iptablesJumpChain, ensured in this order with Prepend. */
export const IPVS_JUMP_RULES: readonly JumpRule[] = [
  jump('nat', 'OUTPUT', KUBE_SERVICES, 'kubernetes service portals'),
  jump('nat', 'PREROUTING', KUBE_SERVICES, 'kubernetes service portals'),
  jump('nat', 'POSTROUTING', KUBE_POSTROUTING, 'kubernetes postrouting rules'),
  jump('filter', 'FORWARD', KUBE_FORWARD, 'kubernetes forwarding rules'),
  jump('filter', 'INPUT', KUBE_NODE_PORT, 'kubernetes health check rules'),
  jump('filter', 'INPUT', KUBE_PROXY_FIREWALL, 'kube-proxy firewall rules'),
  jump('filter', 'FORWARD', KUBE_PROXY_FIREWALL, 'kube-proxy firewall rules'),
  jump('filter', 'INPUT', KUBE_IPVS_FILTER, 'kubernetes ipvs access filter'),
  jump('filter', 'OUTPUT', KUBE_IPVS_OUT_FILTER, 'kubernetes ipvs access filter'),
];

export interface IptablesInputs {
  /** kpx names of the sets that have at least one entry. */
  readonly nonEmptySets: ReadonlySet<string>;
  readonly noNodeAccess: readonly NoNodeAccess[];
}

export function renderIpvsIptables(context: RenderContext, inputs: IptablesInputs): IpvsIptablesPart {
  const family = context.node.ipFamily;
  const name = (set: string): string => kernelSetName(set, family);
  const comment = (set: string): string => `"${ipsetInfo(set).comment}"`;
  const has = (set: string): boolean => inputs.nonEmptySets.has(set);
  const nat = new LineBuffer();
  const filter = new LineBuffer();
  for (const chain of NAT_CHAINS) nat.writeLine(chainLine(chain));
  for (const chain of FILTER_CHAINS) filter.writeLine(chainLine(chain));

  nat.writeLine(`-A ${KUBE_SERVICES} -s ${context.isIPv6 ? '::1/128' : '127.0.0.0/8'} -j RETURN`);
  for (const rule of SET_JUMPS) {
    if (!has(rule.set)) continue;
    const protocol = rule.protocol === undefined ? '' : ` -p ${rule.protocol}`;
    const line = `-A ${rule.from}${protocol} -m comment --comment ${comment(rule.set)} -m set --match-set ${name(rule.set)} ${rule.match} -j ${rule.to}`;
    (rule.table === 'nat' ? nat : filter).writeLine(line);
  }
  if (has(KUBE_CLUSTER_IP)) {
    const match = `-A ${KUBE_SERVICES} -m comment --comment ${comment(KUBE_CLUSTER_IP)} -m set --match-set ${name(KUBE_CLUSTER_IP)}`;
    if (context.masqueradeAll) nat.writeLine(`${match} dst,dst -j ${KUBE_MARK_MASQ}`);
    else if (context.ifNotLocal !== undefined) nat.writeLine(`${match} dst,dst ${context.ifNotLocal} -j ${KUBE_MARK_MASQ}`);
    // Without a local detector, masquerade node traffic sourced from a VIP on kube-ipvs0.
    else nat.writeLine(`${match} src,dst -j ${KUBE_MARK_MASQ}`);
  }
  for (const set of [KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL]) {
    if (!has(set)) continue;
    const match = `-A ${KUBE_SERVICES} -m comment --comment ${comment(set)} -m set --match-set ${name(set)} dst,dst`;
    if (set === KUBE_EXTERNAL_IP) nat.writeLine(`${match} -j ${KUBE_MARK_MASQ}`);
    nat.writeLine(`${match} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.writeLine(`${match} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  nat.writeLine(`-A ${KUBE_SERVICES} -m addrtype --dst-type LOCAL -j ${KUBE_NODE_PORT}`);
  nat.writeLine(`-A ${KUBE_LOAD_BALANCER} -j ${KUBE_MARK_MASQ}`);
  filter.writeLine(`-A ${KUBE_SOURCE_RANGES_FIREWALL} -j DROP`);
  for (const entry of inputs.noNodeAccess) {
    filter.writeLine(
      `-A ${KUBE_IPVS_OUT_FILTER} -s ${entry.address} -m ipvs --vaddr ${entry.address} --vproto ${entry.protocol} --vport ${entry.port} -j DROP`,
    );
  }
  // Accept what IPVS serves, in case later rules would drop it.
  for (const set of [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER_SET]) {
    if (has(set)) nat.writeLine(`-A ${KUBE_SERVICES} -m set --match-set ${name(set)} dst,dst -j ACCEPT`);
  }
  const mark = context.masqueradeMark;
  filter.writeLine(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter.writeLine(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  filter.writeLine(
    `-A ${KUBE_NODE_PORT} -m comment --comment ${comment(KUBE_HEALTH_CHECK_NODE_PORT)} -m set --match-set ${name(KUBE_HEALTH_CHECK_NODE_PORT)} dst -j ACCEPT`,
  );
  // Node ports and other host services must not answer on service VIPs (kubernetes#72236).
  for (const set of [KUBE_LOAD_BALANCER_SET, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL]) {
    filter.writeLine(`-A ${KUBE_IPVS_FILTER} -m set --match-set ${name(set)} dst,dst -j RETURN`);
  }
  filter.writeLine(`-A ${KUBE_IPVS_FILTER} -m set --match-set ${name(KUBE_HEALTH_CHECK_NODE_PORT)} dst -j RETURN`);
  filter.writeLine(`-A ${KUBE_IPVS_FILTER} -m conntrack --ctstate NEW -m set --match-set ${name(KUBE_IPVS_IPS)} dst -j REJECT`);
  nat.writeLine(`-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat.writeLine(`-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`);
  nat.writeLine(`-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  nat.writeLine(`-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`);
  return {
    restoreText: joinTables([
      { table: 'nat', buffers: [nat] },
      { table: 'filter', buffers: [filter] },
    ]),
    jumpRules: IPVS_JUMP_RULES,
  };
}
