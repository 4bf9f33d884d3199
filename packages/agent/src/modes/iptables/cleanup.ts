// `kpx run --cleanup` for iptables: remove every kpx chain and every jump rule into one,
// in one restore payload per table, and leave every other rule and chain alone. Like
// upstream's CleanupLeftovers, chains kpx fills but shares with kubelet (KUBE-FIREWALL)
// stay: only kube-proxy's own chain names count (isKpxChain without extras).
import type { Exec } from '../../sys/exec.ts';
import { runRestore, saveTable } from './apply.ts';
import type { IptablesTools } from './backend-detect.ts';
import { isEmptyRemoval, planChainRemoval, removalHeadLines, removalTailLines, type ChainRemoval } from './chain-removal.ts';
import type { IptablesTable } from './plan-types.ts';
import { emptyTable, isKpxChain, parseSaveText } from './saved-ruleset.ts';

const TABLES: readonly IptablesTable[] = ['filter', 'nat'];

export interface CleanupReport {
  readonly chainsRemoved: number;
  readonly jumpRulesRemoved: number;
  /** kpx chains left because another program's chain still jumps to them. */
  readonly keptChains: readonly { readonly table: string; readonly chain: string; readonly referencedFrom: string }[];
  readonly toolMs: number;
}

/** Pure: the restore payload removing `removal` from `table` ('' when there is nothing to do). */
export function cleanupPayload(table: string, removal: ChainRemoval): string {
  if (isEmptyRemoval(removal)) return '';
  return [`*${table}`, ...removalHeadLines(removal), ...removalTailLines(removal), 'COMMIT', ''].join('\n');
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
