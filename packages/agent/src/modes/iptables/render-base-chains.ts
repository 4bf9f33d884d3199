// The chains and rules that do not depend on any service: the top-level chain declarations,
// the masquerade machinery, KUBE-FORWARD and kubelet's localnet firewall.
import { CT_STATE_INVALID_DROPPED_COUNTER } from './nfacct-counters.ts';
import { chainLine, type LineBuffer } from '../../netfilter/restore-text.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chain-names.ts';

/** filter chains rewritten on every sync, in upstream's declaration order. */
export function filterTopLevelChains(context: RenderContext): string[] {
  const chains = [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL];
  if (usesLocalnetFirewall(context)) chains.push(KUBE_FIREWALL);
  return chains;
}

/** nat chains rewritten on every sync, in upstream's declaration order. */
export function natTopLevelChains(): string[] {
  return [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ];
}

export function declareChains(chains: readonly string[], out: LineBuffer): void {
  for (const chain of chains) out.writeLine(chainLine(chain));
}

/**
 * KUBE-POSTROUTING masquerades what KUBE-MARK-MASQ marked, clearing the mark so a packet that
 * re-traverses the stack is not masqueraded twice. `--random-fully` is what kube-proxy writes
 * on every iptables since 1.6.2.
 */
export function renderMasqueradeRules(context: RenderContext, postrouting: LineBuffer, markMasq: LineBuffer): void {
  const mark = context.masqueradeMark;
  postrouting.writeLine(`-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`);
  postrouting.writeLine(`-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`);
  postrouting.writeLine('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  markMasq.writeLine(`-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`);
}

/**
 * KUBE-FORWARD: drop conntrack-INVALID packets (kube-proxy skips this only when the node sets
 * nf_conntrack_tcp_be_liberal, which a pure plan cannot see), then accept marked traffic and
 * its replies even when the FORWARD policy is DROP.
 */
export function renderForwardRules(context: RenderContext, out: LineBuffer): void {
  const mark = context.masqueradeMark;
  // Counted when the counter exists, as upstream.
  const counted = context.node.nfacctCounters.includes(CT_STATE_INVALID_DROPPED_COUNTER) ? ` -m nfacct --nfacct-name ${CT_STATE_INVALID_DROPPED_COUNTER}` : '';
  out.writeLine(`-A KUBE-FORWARD -m conntrack --ctstate INVALID${counted} -j DROP`);
  out.writeLine(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  out.writeLine('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
}

/** route_localnet opens 127.0.0.0/8 to the outside; this rule (kubelet's too) closes that hole. */
export function renderLocalnetFirewall(context: RenderContext, out: LineBuffer): void {
  if (!usesLocalnetFirewall(context)) return;
  out.writeLine(
    '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
  );
}

export function usesLocalnetFirewall(context: RenderContext): boolean {
  return !context.isIPv6 && context.localhostNodePorts;
}
