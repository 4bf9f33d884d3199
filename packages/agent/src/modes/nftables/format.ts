// `kpx render --mode nftables`: the transaction as `nft -f` reads it, under a comment naming the
// mode, family and table as the other modes' render output does. A full plan starts with
// the table header (add, then flush: the table's rules are rewritten, its dynamic sets kept).
import type { NftablesPlan } from './plan-types.ts';
import { tableHeader } from './statements.ts';

export function formatNftablesPlan(plan: NftablesPlan): string {
  const sync = plan.full ? 'full sync' : 'partial sync';
  return `# kpx nftables plan (${plan.ipFamily}, ${sync}): nft -f input for table ${plan.family} ${plan.table}.\n${transactionText(plan, false)}`;
}

/** @param firstApply a dataplane's first full sync replaces the table (delete, then add) instead of flushing it. */
export function transactionText(plan: NftablesPlan, firstApply: boolean, trailer: readonly string[] = []): string {
  const header = plan.full ? tableHeader(`${plan.family} ${plan.table}`, firstApply) : [];
  const lines = [...header, ...plan.body, ...trailer];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
