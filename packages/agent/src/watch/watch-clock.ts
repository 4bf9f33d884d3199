// Time for the watch loops: wall-clock reads for change arrival times, and cancellable
// timers for backoff, stall deadlines and coalescing. Injectable so tests can observe it.
import type { Clock } from '../modes/mode.ts';

export interface WatchClock extends Clock {
  /** Calls `callback` once after `ms`; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

export const realWatchClock: WatchClock = {
  now: () => Date.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms`, or as soon as `signal` aborts; never rejects. */
export function sleep(clock: WatchClock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
