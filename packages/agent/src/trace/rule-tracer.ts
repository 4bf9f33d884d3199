// How one probe's netfilter rules are observed, per backend: armed before the probe,
// collected after it, and removed whatever happened (idempotent, so a signal handler and a
// `finally` can both call it).
import type { RuleHit, RuleSource } from './trace-types.ts';

export interface RuleTracer {
  readonly source: RuleSource;
  /** Sweeps leftovers of gone runs, adds this run's temporary rules (if any), starts watching. */
  arm(): Promise<void>;
  /** Stops watching; the rules this probe hit, in order. */
  collect(): Promise<RuleHit[]>;
  /** Removes this run's temporary rules; resolves whether none remains. */
  remove(): Promise<boolean>;
}

/** `process.kill(pid, 0)` as a question: whether no process `pid` exists any more. */
export function isPidGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export const TRACE_SETTLE_MS = 400;
