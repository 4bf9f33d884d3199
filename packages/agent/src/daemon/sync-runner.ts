// Upstream's BoundedFrequencyRunner (pkg/proxy/runner), for an async sync function:
// - at least `minIntervalMs` from the end of one sync to the start of the next; requests
//   made meanwhile coalesce into one run at the end of that cooldown;
// - at least one run per `maxIntervalMs` even when nobody asks;
// - a failed run (thrown or rejected) is reported to `onError` and retried with capped
//   exponential backoff (upstream retries after a fixed retryInterval: set
//   initialMs === maxMs to get exactly that); any successful run cancels the retry;
// - the function never runs concurrently with itself.

/** The timer primitives the runner needs; injectable so tests control time. */
export interface Timers {
  /** Milliseconds on a monotonic scale; only differences are used. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, looked up at call time (so vitest's fake timers apply to them too). */
export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Why a run happens; several reasons can coalesce into one run. */
export interface SyncTrigger {
  /** Someone called run(). */
  readonly requested: boolean;
  /** maxIntervalMs passed without a run. */
  readonly periodic: boolean;
  /** A retry after a failure, or one asked for with retryAfter(). */
  readonly retry: boolean;
  /** Failed runs since the last successful one (0 after a success). */
  readonly consecutiveFailures: number;
}

export interface SyncFailure {
  readonly error: unknown;
  readonly consecutiveFailures: number;
  /** When the automatic retry will run, from now. */
  readonly retryInMs: number;
}

export interface SyncRunnerOptions {
  readonly name: string;
  readonly sync: (trigger: SyncTrigger) => Promise<void>;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** Backoff after failures: initialMs, doubled per consecutive failure, capped at maxMs. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly onError: (failure: SyncFailure) => void;
  readonly timers?: Timers;
}

export interface SyncRunner {
  /** Starts the loop; a run() made before start() runs at once. */
  start(): void;
  /** Asks for a run as soon as minIntervalMs allows; calls coalesce. */
  run(): void;
  /** Ensures a run no later than delayMs from now (the soonest of several requests wins). */
  retryAfter(delayMs: number): void;
  /** Cancels every timer and resolves once an in-flight run has finished. */
  stop(): Promise<void>;
  /** Whether the sync function is running right now. */
  readonly isRunning: boolean;
}

export function backoffDelayMs(consecutiveFailures: number, retry: SyncRunnerOptions['retry']): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  return Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(exponent, 30));
}

function assertValidOptions(options: SyncRunnerOptions): void {
  const { name, minIntervalMs, maxIntervalMs, retry } = options;
  const values = { minIntervalMs, maxIntervalMs, 'retry.initialMs': retry.initialMs, 'retry.maxMs': retry.maxMs };
  for (const [field, value] of Object.entries(values)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name}: ${field} must be a finite number >= 0, got ${value}`);
  }
  if (maxIntervalMs < minIntervalMs) {
    throw new RangeError(`${name}: maxIntervalMs (${maxIntervalMs}) must be >= minIntervalMs (${minIntervalMs})`);
  }
  if (retry.maxMs < retry.initialMs) {
    throw new RangeError(`${name}: retry.maxMs (${retry.maxMs}) must be >= retry.initialMs (${retry.initialMs})`);
  }
}

export function createSyncRunner(options: SyncRunnerOptions): SyncRunner {
  assertValidOptions(options);
  const timers = options.timers ?? realTimers;
  let started = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let coolingDown = false;
  let pending = { requested: false, periodic: false, retry: false };
  let consecutiveFailures = 0;
  let minTimer: unknown;
  let maxTimer: unknown;
  let retryTimer: unknown;
  let retryDeadline: number | undefined;

  const clear = (handle: unknown): undefined => {
    if (handle !== undefined) timers.clearTimeout(handle);
    return undefined;
  };

  const hasPending = (): boolean => pending.requested || pending.periodic || pending.retry;

  const armMaxTimer = (): void => {
    maxTimer = clear(maxTimer);
    maxTimer = timers.setTimeout(() => {
      maxTimer = undefined;
      pending.periodic = true;
      tryRun();
    }, options.maxIntervalMs);
  };

  const scheduleRetry = (delayMs: number): void => {
    const deadline = timers.now() + delayMs;
    if (retryDeadline !== undefined && retryDeadline <= deadline) return;
    retryTimer = clear(retryTimer);
    retryDeadline = deadline;
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      retryDeadline = undefined;
      pending.retry = true;
      tryRun();
    }, delayMs);
  };

  const cancelRetry = (): void => {
    retryTimer = clear(retryTimer);
    retryDeadline = undefined;
  };

  const reportFailure = (error: unknown): void => {
    consecutiveFailures += 1;
    const retryInMs = backoffDelayMs(consecutiveFailures, options.retry);
    scheduleRetry(retryInMs);
    try {
      options.onError({ error, consecutiveFailures, retryInMs });
    } catch {
      // A broken error callback must not stop the loop.
    }
  };

  const execute = async (trigger: SyncTrigger): Promise<void> => {
    try {
      await options.sync(trigger);
      consecutiveFailures = 0;
    } catch (error) {
      reportFailure(error);
    }
  };

  function tryRun(): void {
    if (!started || stopped || running !== undefined || coolingDown || !hasPending()) return;
    const trigger: SyncTrigger = { ...pending, consecutiveFailures };
    pending = { requested: false, periodic: false, retry: false };
    minTimer = clear(minTimer);
    maxTimer = clear(maxTimer);
    // This run is the retry: a failure schedules a new one, and a retryAfter() made
    // while it runs survives its success.
    cancelRetry();
    running = Promise.resolve()
      .then(() => execute(trigger))
      .finally(() => {
        running = undefined;
        if (stopped) return;
        coolingDown = true;
        armMaxTimer();
        minTimer = timers.setTimeout(() => {
          minTimer = undefined;
          coolingDown = false;
          tryRun();
        }, options.minIntervalMs);
      });
  }

  return {
    start() {
      if (started || stopped) return;
      started = true;
      armMaxTimer();
      tryRun();
    },
    run() {
      pending.requested = true;
      tryRun();
    },
    retryAfter(delayMs) {
      if (stopped) return;
      scheduleRetry(Math.max(0, delayMs));
    },
    async stop() {
      stopped = true;
      minTimer = clear(minTimer);
      maxTimer = clear(maxTimer);
      cancelRetry();
      if (running !== undefined) await running;
    },
    get isRunning() {
      return running !== undefined;
    },
  };
}
