// `kpx render --mode iptables` prints the jump rules it ensures in built-in chains as
// comment lines (`#   -t nat -I PREROUTING … -j KUBE-SERVICES`); this reads them back.
import type { JumpRule } from '@kpx/agent/netfilter/jump-rule.ts';
import { tokenize } from './restore-parse.ts';

const JUMP_LINE = /^#\s+(-t (?:nat|filter) -[IA] .*)$/;

export function parseJumpRuleComments(renderedText: string): JumpRule[] {
  const rules: JumpRule[] = [];
  for (const line of renderedText.split('\n')) {
    const match = JUMP_LINE.exec(line);
    if (match?.[1] === undefined) continue;
    const [, table, flag, chain, ...rest] = tokenize(match[1]);
    const jumpAt = rest.lastIndexOf('-j');
    const target = rest[jumpAt + 1];
    if ((table !== 'nat' && table !== 'filter') || chain === undefined || jumpAt < 0 || target === undefined) {
      throw new Error(`unparsable jump rule comment: ${line}`);
    }
    rules.push({ table, chain, target, args: rest.slice(0, jumpAt), position: flag === '-I' ? 'prepend' : 'append' });
  }
  return rules;
}
