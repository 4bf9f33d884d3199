// Upstream's KUBE-PROXY-CANARY (pkg/util/iptables/monitor.go), made to catch a flush too:
// upstream's canary is an empty chain, which `iptables -t nat -F` leaves in place (only a
// chain deletion, as firewalld's reload does after flushing, removes it). kpx's canary holds
// one rule, so a table flush empties it and a chain deletion removes it; either way the
// rules kpx wrote to that table are gone. Each check lists only the canary chain
// (`iptables -t TABLE -S KUBE-PROXY-CANARY`); what that costs on a 10k-service node is
// measured by bench/sync/flush-detect.bench.ts.
import { KpxError } from '../errors.ts';
import type { Exec } from '../sys/exec.ts';
import type { IptablesTools } from './backend-detect.ts';
import type { IptablesTable } from './jump-rule.ts';
import { RESTORE_WAIT_ARGS } from './restore.ts';

export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

/** The tables kpx writes rules to: a flush of any other one leaves kpx's rules alone. */
export const CANARY_TABLES: readonly IptablesTable[] = ['nat', 'filter'];

const CANARY_RULE = `-A ${KUBE_PROXY_CANARY} -j RETURN`;

/**
 * Pure: the restore payload that (re)creates the canary, holding its one rule, in `tables`
 * (declaring the chain flushes it, so the payload is idempotent). A full sync restores it
 * before anything else: a flush from then on is seen by the next check, whatever the sync
 * was doing at the time.
 */
export function canaryRestoreText(tables: readonly IptablesTable[] = CANARY_TABLES): string {
  return tables.map((table) => `*${table}\n:${KUBE_PROXY_CANARY} - [0:0]\n${CANARY_RULE}\nCOMMIT\n`).join('');
}

/** Pure: whether `iptables -S KUBE-PROXY-CANARY`'s outcome shows the canary intact. */
export function isCanaryIntact(result: { readonly exitCode: number; readonly stdout: string }): boolean | undefined {
  // Exit 1: the chain (or the whole table) is gone; iptables-nft then calls it "incompatible".
  if (result.exitCode === 1) return false;
  if (result.exitCode !== 0) return undefined;
  return result.stdout.split('\n').some((line) => line.trim() === CANARY_RULE);
}

/** The tables whose canary is gone (flushed or deleted); throws when iptables cannot tell. */
export async function findFlushedTables(exec: Exec, tools: IptablesTools): Promise<IptablesTable[]> {
  const flushed: IptablesTable[] = [];
  for (const table of CANARY_TABLES) {
    const args = [...RESTORE_WAIT_ARGS, '-t', table, '-S', KUBE_PROXY_CANARY];
    const result = await exec({ file: tools.iptables, args, timeoutMs: 30_000 });
    const intact = isCanaryIntact(result);
    if (intact === undefined) {
      throw new KpxError('KPX_ERR_EXEC', `${tools.iptables} could not list ${KUBE_PROXY_CANARY}`, {
        context: { args, exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
      });
    }
    if (!intact) flushed.push(table);
  }
  return flushed;
}
