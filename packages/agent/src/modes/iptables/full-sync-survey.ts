// What a full iptables sync reads before it writes: both tables, the kpx chains the plan no
// longer needs (to remove in the same payload), and the rules already in built-in chains.
import type { Exec } from '../../sys/exec.ts';
import type { IptablesTools } from '../../netfilter/backend-detect.ts';
import { planChainRemoval, type ChainRemoval } from '../../netfilter/chain-removal.ts';
import { KUBE_PROXY_CANARY } from '../../netfilter/flush-canary.ts';
import { declaredChains, saveTable } from '../../netfilter/restore.ts';
import { BUILTIN_CHAINS, emptyTable, parseSaveText } from '../../netfilter/saved-ruleset.ts';
import { isKpxChain } from './kpx-chains.ts';
import type { IptablesPlan, IptablesTable } from './plan-types.ts';

const TABLES: readonly IptablesTable[] = ['filter', 'nat'];

/** What a full sync found in the kernel before writing: per table, its removal and its built-in rules. */
export interface FullSyncSurvey {
  readonly removals: Map<IptablesTable, ChainRemoval>;
  /** `TABLE -A CHAIN …` for every rule in a built-in chain, to spare `iptables -C` calls. */
  readonly builtinRules: Set<string>;
  /** `TABLE CHAIN` for every chain that exists. */
  readonly chains: Set<string>;
  /** Per `TABLE CHAIN` of a built-in chain, its rules (`TABLE -A CHAIN …`) in order. */
  readonly builtinOrder: Map<string, string[]>;
}

/**
 * Reads both tables and plans the removal of kpx chains the plan no longer needs. The rules
 * of chains the payload flushes are not even parsed: at 10k services they are ~400k lines.
 */
export async function surveyForFullSync(exec: Exec, tools: IptablesTools, plan: IptablesPlan): Promise<FullSyncSurvey> {
  const declared = declaredChains(plan.restoreText);
  const removals = new Map<IptablesTable, ChainRemoval>();
  const builtinRules = new Set<string>();
  const chains = new Set<string>();
  const builtinOrder = new Map<string, string[]>();
  for (const table of TABLES) {
    const owned = new Set(plan.ownedChains[table]);
    const flushed = declared.get(table) ?? new Set<string>();
    const saved = parseSaveText(await saveTable(exec, tools, table), (chain) => !flushed.has(chain)).get(table) ?? emptyTable(table);
    // A chain the payload itself declares is the plan's business (e.g. its own `-X` lines).
    // The canary is the dataplane's, written just before this survey.
    const isStale = (chain: string): boolean => isKpxChain(chain) && chain !== KUBE_PROXY_CANARY && !owned.has(chain) && !flushed.has(chain);
    removals.set(table, planChainRemoval(saved, isStale, flushed));
    for (const chain of saved.chains) if (BUILTIN_CHAINS.has(chain)) builtinOrder.set(`${table} ${chain}`, []);
    for (const rule of saved.rules) {
      if (!BUILTIN_CHAINS.has(rule.chain)) continue;
      builtinRules.add(`${table} ${rule.line}`);
      builtinOrder.get(`${table} ${rule.chain}`)?.push(`${table} ${rule.line}`);
    }
    for (const chain of saved.chains) chains.add(`${table} ${chain}`);
  }
  return { removals, builtinRules, chains, builtinOrder };
}
