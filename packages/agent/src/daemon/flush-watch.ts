// Polls the dataplane's detectFlush between syncs (upstream's iptables Monitor, which checks
// its canaries once per syncPeriod; kpx checks about once a second so that someone else's
// flush costs seconds, not a sync period). A check runs only while the proxier is idle: no
// sync running and no repair of a flush already due (so one flush is reported once). A result that arrives after a sync started is dropped: that sync
// may have changed what the check saw; the next check looks again. A check that is slow (on
// iptables-legacy any listing fetches the whole table: ~0.8 s at 10k services, see
// bench/sync/flush-detect.bench.ts) spaces the next one out, so that checking takes no more
// than a tenth of the time. The fastest of the last few checks sets the pace: a table's size
// makes every check slow, a busy machine only some.
import type { Logger } from '../log.ts';
import type { FlushDetection } from '../modes/mode.ts';
import { realTimers, type Timers } from './sync-runner.ts';

/** How often kpx looks for a flush of its rules, at most. */
export const FLUSH_CHECK_INTERVAL_MS = 1_000;

/** The next check waits at least this many times as long as the fastest recent one took. */
export const FLUSH_CHECK_SPACING = 10;
const RECENT_CHECKS = 5;

export interface FlushWatchOptions {
  readonly detect: () => Promise<FlushDetection | undefined>;
  /** Whether a check may run now, and whether its result still holds when it arrives. */
  readonly isIdle: () => boolean;
  /** Called once per flush found, while still idle (synchronously after the check). */
  readonly onFlush: (detection: FlushDetection) => void;
  readonly log: Logger;
  readonly intervalMs?: number;
  readonly timers?: Timers;
}

export interface FlushWatch {
  /** Checks as soon as the proxier is idle (after a failed sync: the failure may be a flush's). */
  checkSoon(): void;
  /** Cancels the timer and resolves once a check in flight has finished. */
  stop(): Promise<void>;
}

export function startFlushWatch(options: FlushWatchOptions): FlushWatch {
  const timers = options.timers ?? realTimers;
  const intervalMs = options.intervalMs ?? FLUSH_CHECK_INTERVAL_MS;
  let stopped = false;
  let timer: unknown;
  let checking: Promise<void> | undefined;
  let failing = false;
  const recentMs: number[] = [];

  const check = async (): Promise<void> => {
    try {
      const detection = await options.detect();
      if (failing) options.log.info({}, 'flush check works again');
      failing = false;
      if (detection !== undefined && !stopped && options.isIdle()) options.onFlush(detection);
    } catch (error) {
      // Logged on the first failure of a run of them, not once a second.
      if (!failing) options.log.warn({ err: error }, 'flush check failed; retrying every interval');
      failing = true;
    }
  };

  const paceMs = (): number => Math.max(intervalMs, FLUSH_CHECK_SPACING * (recentMs.length === 0 ? 0 : Math.min(...recentMs)));

  const schedule = (delayMs = paceMs()): void => {
    timer = timers.setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      if (!options.isIdle()) {
        schedule();
        return;
      }
      const started = timers.now();
      checking = check().finally(() => {
        checking = undefined;
        recentMs.push(timers.now() - started);
        if (recentMs.length > RECENT_CHECKS) recentMs.shift();
        if (!stopped) schedule();
      });
    }, delayMs);
  };

  schedule();
  return {
    checkSoon() {
      if (stopped || checking !== undefined) return;
      if (timer !== undefined) timers.clearTimeout(timer);
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      if (checking !== undefined) await checking;
    },
  };
}
