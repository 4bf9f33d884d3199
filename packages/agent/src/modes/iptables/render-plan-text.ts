// What `kpx render --mode iptables` prints: a short header, the jump rules the dataplane
// ensures in built-in chains (as comments, since they are not part of the payload), then the
// iptables-restore payload itself. `#` lines are comments to iptables-restore, so the output
// can still be fed to `iptables-restore --test`.
import { describeJumpRule } from '../../netfilter/jump-rule.ts';
import type { IptablesPlan } from './plan-types.ts';

export function formatIptablesPlan(plan: IptablesPlan): string {
  const sync = plan.full ? 'full sync' : 'partial sync';
  const header = [
    `# kpx iptables plan (${plan.ipFamily}, ${sync}): iptables-restore --noflush input for the filter and nat tables.`,
    '# Jump rules kpx ensures in built-in chains (not part of the restore input):',
    ...plan.jumpRules.map((rule) => `#   ${describeJumpRule(rule)}`),
  ];
  return header.join('\n') + '\n' + plan.restoreText;
}
