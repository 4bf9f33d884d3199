// A mode's iptables chains removed wherever they are, for a leftover cleanup: in both
// backends (a node may have changed backend since the chains were written) and both IP
// families, in the tables that exist. The save reads every table at once: `-t nat` on the
// legacy backend would create an empty table where none was. A backend whose tools are not
// installed holds nothing. One restore payload per table; a failed table is reported and the
// others still go.
import type { IPFamily } from '../model/types.ts';
import { execIfPresent, type Exec } from '../sys/exec.ts';
import { KpxError } from '../errors.ts';
import { iptablesTools, type IptablesBackend, type IptablesTools } from './backend-detect.ts';
import { cleanupPayload, planChainRemoval } from './chain-removal.ts';
import { runRestore } from './restore.ts';
import { parseSaveText } from './saved-ruleset.ts';

/** Per table, which of its chains are the mode's. */
export type ChainOwners = Readonly<Record<string, (chain: string) => boolean>>;

/** A step that failed (the same shape as a mode's LeftoverFailure). */
export interface ChainCleanupFailure {
  readonly step: string;
  readonly error: unknown;
}

export interface LeftoverChains {
  readonly chainsRemoved: number;
  readonly jumpRulesRemoved: number;
  /** Chains left because another program's chain still jumps to them. */
  readonly keptChains: readonly { readonly table: string; readonly chain: string; readonly referencedFrom: string; readonly where: string }[];
  readonly failures: readonly ChainCleanupFailure[];
}

const BACKENDS: readonly IptablesBackend[] = ['nft', 'legacy'];
const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/** `onRestoreFailure(family)` is told of each failed restore (upstream counts them). */
export async function removeLeftoverChains(exec: Exec, owners: ChainOwners, onRestoreFailure?: (family: IPFamily) => void): Promise<LeftoverChains> {
  let chainsRemoved = 0;
  let jumpRulesRemoved = 0;
  const keptChains: { table: string; chain: string; referencedFrom: string; where: string }[] = [];
  const failures: ChainCleanupFailure[] = [];
  for (const family of FAMILIES) {
    for (const backend of BACKENDS) {
      const tools = iptablesTools(backend, family);
      const where = `${family} ${backend}`;
      let saveText: string | undefined;
      try {
        saveText = await saveAllTables(exec, tools);
      } catch (error) {
        failures.push({ step: `iptables-save ${where}`, error });
        continue;
      }
      if (saveText === undefined) continue;
      for (const [table, saved] of parseSaveText(saveText)) {
        const isOwned = owners[table];
        if (isOwned === undefined) continue;
        const removal = planChainRemoval(saved, isOwned);
        keptChains.push(...removal.keptChains.map((kept) => ({ table, ...kept, where })));
        const payload = cleanupPayload(table, removal);
        if (payload === '') continue;
        try {
          await runRestore(exec, tools, payload);
          chainsRemoved += removal.chains.length;
          jumpRulesRemoved += removal.unlinkRules.length;
        } catch (error) {
          onRestoreFailure?.(family);
          failures.push({ step: `${table} ${where}`, error });
        }
      }
    }
  }
  return { chainsRemoved, jumpRulesRemoved, keptChains, failures };
}

/** Every table the backend holds, or undefined when its save tool is not installed. */
async function saveAllTables(exec: Exec, tools: IptablesTools): Promise<string | undefined> {
  const result = await execIfPresent(exec, { file: tools.save, args: [], timeoutMs: 600_000 });
  if (result === undefined) return undefined;
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_EXEC', `${tools.save} failed`, { context: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 4000) } });
  }
  return result.stdout;
}
