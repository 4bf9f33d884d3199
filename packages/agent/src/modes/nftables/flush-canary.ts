// The nftables mode's flush canary: two chains of kpx's table, `flush-canary` (empty) and
// `flush-canary-ref` (one rule, a jump to it), written by every full sync. Someone else's
// `nft delete table` or `nft flush ruleset` removes both; `nft flush table` removes every
// rule (it keeps chains, sets and their elements on nft 1.0.6), the jump included.
//
// The check is `nft --check delete chain FAMILY TABLE flush-canary`: the kernel validates the
// deletion and nft aborts the transaction, so nothing changes. It is refused as busy while the
// jump holds the chain (intact), refused as missing once the table or chain is gone, and
// accepted once the jump is gone (flushed). nft needs no cache for it: it costs the same on a
// table of 10k services as on an empty one (bench/sync/flush-detect.bench.ts), where any
// listing but a set's fetches the whole table (`nft list tables` or `list chain`: seconds).
import { KpxError } from '../../errors.ts';
import type { Exec, ExecResult } from '../../sys/exec.ts';
import { NFT } from './apply.ts';

export const FLUSH_CANARY = 'flush-canary';
export const FLUSH_CANARY_REF = 'flush-canary-ref';

/** Pure: the statements of a full transaction (after its table header) that write the canary. */
export function canaryStatements(target: string): string[] {
  return [
    `add chain ${target} ${FLUSH_CANARY}`,
    `add chain ${target} ${FLUSH_CANARY_REF}`,
    `flush chain ${target} ${FLUSH_CANARY_REF}`,
    `add rule ${target} ${FLUSH_CANARY_REF} jump ${FLUSH_CANARY}`,
  ];
}

export type CanaryState = 'intact' | 'flushed' | 'gone';

/** Pure: what the check's outcome says; undefined when nft failed otherwise. */
export function canaryState(result: Pick<ExecResult, 'exitCode' | 'stderr'>): CanaryState | undefined {
  if (result.exitCode === 0) return 'flushed';
  if (/Device or resource busy/.test(result.stderr)) return 'intact';
  if (/No such file or directory/.test(result.stderr)) return 'gone';
  return undefined;
}

/** The check's arguments: a deletion nft only validates (`--check`). */
export function canaryCheckArgs(family: 'ip' | 'ip6', table: string): string[] {
  return ['--check', 'delete', 'chain', family, table, FLUSH_CANARY];
}

/** Runs the check; throws KPX_ERR_NFT when nft cannot tell. */
export async function checkCanary(exec: Exec, family: 'ip' | 'ip6', table: string): Promise<CanaryState> {
  const args = canaryCheckArgs(family, table);
  const result = await exec({ file: NFT, args, timeoutMs: 30_000 });
  const state = canaryState(result);
  if (state !== undefined) return state;
  throw new KpxError('KPX_ERR_NFT', `nft could not check ${FLUSH_CANARY}`, {
    context: { args, exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
  });
}
