// Which kpx chains of one table can be removed, and the iptables-restore lines that remove
// them. Pure. Used for stale chains on a full sync and for `kpx run --cleanup`.
//
// A chain can only be deleted when nothing references it. References from built-in
// chains are kpx's jump rules: they are deleted (`-D`) in the same payload. References
// from chains the payload flushes anyway are gone by the time `-X` runs. A reference
// from any other chain (another program's) keeps the chain: kpx never edits other
// programs' rules, and a failed `-X` would fail the whole table.
import { BUILTIN_CHAINS, type SavedTable } from './saved-ruleset.ts';

export interface ChainRemoval {
  /** Chains to flush (`:NAME - [0:0]`) and delete (`-X NAME`). */
  readonly chains: readonly string[];
  /** Rules in built-in chains that jump to a removed chain, as `-D …` lines. */
  readonly unlinkRules: readonly string[];
  /** Chains that would have gone but are referenced from a chain kpx does not own. */
  readonly keptChains: readonly { readonly chain: string; readonly referencedFrom: string }[];
}

/**
 * `saved` must hold the rules of every chain except those in `flushedByPayload` (their
 * rules are replaced anyway). `isCandidate` says which chains should go.
 */
export function planChainRemoval(saved: SavedTable, isCandidate: (chain: string) => boolean, flushedByPayload: ReadonlySet<string> = new Set()): ChainRemoval {
  const candidates = new Set(saved.chains.filter((chain) => isCandidate(chain) && !BUILTIN_CHAINS.has(chain)));
  const kept = new Map<string, string>();
  // A kept chain keeps its rules, so whatever it references must stay too: iterate to a fixed point.
  let changed = true;
  while (changed) {
    changed = false;
    for (const rule of saved.rules) {
      if (rule.target === undefined || !candidates.has(rule.target) || kept.has(rule.target)) continue;
      const from = rule.chain;
      const referenceGoes = BUILTIN_CHAINS.has(from) || flushedByPayload.has(from) || (candidates.has(from) && !kept.has(from));
      if (!referenceGoes) {
        kept.set(rule.target, from);
        changed = true;
      }
    }
  }
  const chains = [...candidates].filter((chain) => !kept.has(chain)).sort();
  const removed = new Set(chains);
  const unlinkRules = saved.rules
    .filter((rule) => BUILTIN_CHAINS.has(rule.chain) && rule.target !== undefined && removed.has(rule.target))
    .map((rule) => `-D${rule.line.slice(2)}`);
  const keptChains = [...kept].map(([chain, referencedFrom]) => ({ chain, referencedFrom })).sort((a, b) => (a.chain < b.chain ? -1 : 1));
  return { chains, unlinkRules, keptChains };
}

/** The lines that go right after the `*table` line: flush every removed chain, unlink jumps. */
export function removalHeadLines(removal: ChainRemoval): string[] {
  return [...removal.chains.map((chain) => `:${chain} - [0:0]`), ...removal.unlinkRules];
}

/** The lines that go right before `COMMIT`, after every rule that might reference the chains. */
export function removalTailLines(removal: ChainRemoval): string[] {
  return removal.chains.map((chain) => `-X ${chain}`);
}

export function isEmptyRemoval(removal: ChainRemoval): boolean {
  return removal.chains.length === 0 && removal.unlinkRules.length === 0;
}

/** Pure: the restore payload removing `removal` from `table` ('' when there is nothing to do). */
export function cleanupPayload(table: string, removal: ChainRemoval): string {
  if (isEmptyRemoval(removal)) return '';
  return [`*${table}`, ...removalHeadLines(removal), ...removalTailLines(removal), 'COMMIT', ''].join('\n');
}
