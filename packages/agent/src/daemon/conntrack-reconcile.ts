// One conntrack reconciliation after a sync: list the family's UDP flows, work out which are
// stale (conntrack-cleanup.ts), delete them. A failure is logged, never fatal to the sync
// (as upstream): the next sync reads the table again and retries.
import type { ChangeSet } from '../diff/change-set.ts';
import type { DesiredState } from '../model/types.ts';
import { listConntrackFlows } from '../sys/conntrack-flows.ts';
import { deleteConntrackEntries, type ConntrackFilter } from '../sys/conntrack-tool.ts';
import type { Exec } from '../sys/exec.ts';
import { hasUDPFrontends, staleConntrackFilters } from './conntrack-cleanup.ts';

export interface ConntrackCleanupReport {
  /** UDP flows of the family read from the table. */
  readonly flows: number;
  readonly filters: number;
  readonly deletedEntries: number;
  /** Listing or deletions that failed. */
  readonly failures: readonly { readonly filter?: ConntrackFilter; readonly error: unknown }[];
}

/** Runs every deletion; one failure does not stop the others. */
export async function clearStaleConntrackEntries(exec: Exec, filters: readonly ConntrackFilter[]): Promise<Omit<ConntrackCleanupReport, 'flows'>> {
  let deletedEntries = 0;
  const failures: { filter: ConntrackFilter; error: unknown }[] = [];
  for (const filter of filters) {
    try {
      deletedEntries += await deleteConntrackEntries(exec, filter);
    } catch (error) {
      failures.push({ filter, error });
    }
  }
  return { filters: filters.length, deletedEntries, failures };
}

/** Reads the table and deletes what `state` (and the sync's `changes`) make stale. */
export async function reconcileStaleConntrack(exec: Exec, state: DesiredState, changes?: ChangeSet): Promise<ConntrackCleanupReport> {
  if (!hasUDPFrontends(state)) return { ...(await clearStaleConntrackEntries(exec, staleConntrackFilters(state, [], changes))), flows: 0 };
  let flows;
  try {
    flows = await listConntrackFlows(exec, 'UDP', state.node.ipFamily);
  } catch (error) {
    // Without the table, the deleted services' IPs are still known: clear those.
    const report = await clearStaleConntrackEntries(exec, staleConntrackFilters(state, [], changes));
    return { ...report, flows: 0, failures: [{ error }, ...report.failures] };
  }
  const report = await clearStaleConntrackEntries(exec, staleConntrackFilters(state, flows, changes));
  return { ...report, flows: flows.length };
}
