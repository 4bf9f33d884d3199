// Reading back what the kernel holds for kpx: iptables-save of each table, reduced to
// kpx's chains and the jump rules into them, or to one service port's chains.
import type { ServicePortName } from '../../model/types.ts';
import type { Exec } from '../../sys/exec.ts';
import { saveTable } from '../../netfilter/restore.ts';
import type { IptablesTools } from '../../netfilter/backend-detect.ts';
import type { IptablesTable } from './plan-types.ts';
import { isServiceChainName } from './chain-names.ts';
import { BUILTIN_CHAINS, parseSaveText, ruleComment, type SavedRule } from '../../netfilter/saved-ruleset.ts';
import { isKpxChain } from './kpx-chains.ts';

const TABLES: readonly IptablesTable[] = ['filter', 'nat'];

function belongsTo(rule: SavedRule, servicePortName: ServicePortName): boolean {
  const comment = ruleComment(rule.line);
  return comment !== undefined && (comment === servicePortName || comment.startsWith(`${servicePortName} `));
}

/** The service chains reachable from rules commented with `servicePortName`. */
function serviceChains(rules: readonly SavedRule[], servicePortName: ServicePortName): Set<string> {
  const chains = new Set<string>();
  const pending = rules.filter((rule) => belongsTo(rule, servicePortName)).map((rule) => rule.target);
  for (const rule of rules) if (isServiceChainName(rule.chain) && belongsTo(rule, servicePortName)) pending.push(rule.chain);
  const byChain = Map.groupBy(rules, (rule) => rule.chain);
  while (pending.length > 0) {
    const chain = pending.pop();
    if (chain === undefined || !isServiceChainName(chain) || chains.has(chain)) continue;
    chains.add(chain);
    for (const rule of byChain.get(chain) ?? []) pending.push(rule.target);
  }
  return chains;
}

/**
 * Pure: one table of iptables-save output reduced to kpx's part. With `servicePortName`,
 * only that port's rules (in the dispatch chains) and the service chains they reach.
 */
export function selectKpxRules(saveText: string, table: string, servicePortName?: ServicePortName, alsoOwned?: ReadonlySet<string>): string {
  const saved = parseSaveText(saveText).get(table);
  if (saved === undefined) return '';
  const owned = (chain: string): boolean => isKpxChain(chain, alsoOwned);
  let chains: string[];
  let rules: SavedRule[];
  if (servicePortName === undefined) {
    chains = saved.chains.filter(owned);
    rules = saved.rules.filter((rule) => owned(rule.chain) || (BUILTIN_CHAINS.has(rule.chain) && rule.target !== undefined && owned(rule.target)));
  } else {
    const reached = serviceChains(saved.rules, servicePortName);
    chains = saved.chains.filter((chain) => reached.has(chain));
    rules = saved.rules.filter((rule) => reached.has(rule.chain) || (owned(rule.chain) && belongsTo(rule, servicePortName)));
  }
  if (chains.length === 0 && rules.length === 0) return '';
  return [`*${table}`, ...chains.map((chain) => `:${chain} - [0:0]`), ...rules.map((rule) => rule.line), 'COMMIT', ''].join('\n');
}

export async function observeKpxRules(exec: Exec, tools: IptablesTools, servicePortName?: ServicePortName, alsoOwned?: ReadonlySet<string>): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) parts.push(selectKpxRules(await saveTable(exec, tools, table), table, servicePortName, alsoOwned));
  return parts.join('');
}
