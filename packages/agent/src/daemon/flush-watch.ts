// Polls the dataplane's detectFlush between syncs (upstream's iptables Monitor, which checks
// its canaries once per syncPeriod; kpx checks about once a second so that someone else's
// flush costs seconds, not a sync period). A check runs only while the proxier is idle: no
// sync running and no full sync already due (which would repair whatever was lost, so one
// flush is reported once). A result that arrives after a sync started is dropped: that sync
// may have changed what the check saw; the next check looks again. A check that is slow (on
// iptables-legacy any listing fetches the whole table: ~0.8 s at 10k services, see
// bench/sync/flush-detect.bench.ts) spaces the next one out, so that checking never takes more
// than a tenth of the time.
import type { Logger } from '../log.ts';
import type { FlushDetection } from '../modes/mode.ts';
import { realTimers, type Timers } from './sync-runner.ts';

/** How often kpx looks for a flush of its rules, at most. */
export const FLUSH_CHECK_INTERVAL_MS = 1_000;

/** The next check waits at least this many times as long as the last one took. */
export const FLUSH_CHECK_SPACING = 10;

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
  let lastCheckMs = 0;

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

  const schedule = (): void => {
    const delayMs = Math.max(intervalMs, FLUSH_CHECK_SPACING * lastCheckMs);
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
        lastCheckMs = timers.now() - started;
        if (!stopped) schedule();
      });
    }, delayMs);
  };

  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      if (checking !== undefined) await checking;
    },
  };
}
