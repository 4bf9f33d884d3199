// `kpx run --cleanup` for iptables: remove every kpx chain and every jump rule into one,
// in one restore payload per table, and leave every other rule and chain alone. Like
// upstream's CleanupLeftovers, chains kpx fills but shares with kubelet (KUBE-FIREWALL)
// stay: only kube-proxy's own chain names count (isKpxChain without extras).
import type { Exec } from '../../sys/exec.ts';
import { runRestore, saveTable } from '../../netfilter/restore.ts';
import type { IptablesTools } from '../../netfilter/backend-detect.ts';
import { cleanupPayload, planChainRemoval } from '../../netfilter/chain-removal.ts';
import type { IptablesTable } from './plan-types.ts';
import { emptyTable, parseSaveText } from '../../netfilter/saved-ruleset.ts';
import { isKpxChain } from './kpx-chains.ts';

const TABLES: readonly IptablesTable[] = ['filter', 'nat'];

export interface CleanupReport {
  readonly chainsRemoved: number;
  readonly jumpRulesRemoved: number;
  /** kpx chains left because another program's chain still jumps to them. */
  readonly keptChains: readonly { readonly table: string; readonly chain: string; readonly referencedFrom: string }[];
  readonly toolMs: number;
}

export async function cleanupKpxRules(exec: Exec, tools: IptablesTools): Promise<CleanupReport> {
  let chainsRemoved = 0;
  let jumpRulesRemoved = 0;
  let toolMs = 0;
  const keptChains: { table: string; chain: string; referencedFrom: string }[] = [];
  for (const table of TABLES) {
    // The rules of kpx chains matter too: a kept chain keeps what it references.
    const saved = parseSaveText(await saveTable(exec, tools, table)).get(table) ?? emptyTable(table);
    const removal = planChainRemoval(saved, (chain) => isKpxChain(chain));
    const payload = cleanupPayload(table, removal);
    if (payload !== '') toolMs += await runRestore(exec, tools, payload);
    chainsRemoved += removal.chains.length;
    jumpRulesRemoved += removal.unlinkRules.length;
    keptChains.push(...removal.keptChains.map((kept) => ({ table, ...kept })));
  }
  return { chainsRemoved, jumpRulesRemoved, keptChains, toolMs };
}
