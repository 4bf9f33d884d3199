// `kpx render --mode nftables`: the transaction as `nft -f` reads it, under a comment naming the
// mode, family and table as the other modes' render output does. A full plan starts with
// the table header (add, then flush: the table's rules are rewritten, its dynamic sets kept).
import type { NftablesPlan } from './plan-types.ts';
import { tableHeader } from './statements.ts';

export function formatNftablesPlan(plan: NftablesPlan): string {
  const sync = plan.full ? 'full sync' : 'partial sync';
  return `# kpx nftables plan (${plan.ipFamily}, ${sync}): nft -f input for table ${plan.family} ${plan.table}.\n${transactionText(plan, false)}`;
}

/**
 * @param firstApply a dataplane's first full sync replaces the table (delete, then add) instead of flushing it.
 * @param written whether the table has a shared chain already (it is then left out); by default none is.
 */
export function transactionText(
  plan: NftablesPlan,
  firstApply: boolean,
  trailer: readonly string[] = [],
  written: (chain: string) => boolean = () => false,
): string {
  const header = plan.full ? tableHeader(`${plan.family} ${plan.table}`, firstApply) : [];
  const shared = plan.sharedChains.filter((chain) => !written(chain.name)).flatMap((chain) => chain.lines);
  const lines = [...header, ...shared, ...plan.body, ...trailer];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
