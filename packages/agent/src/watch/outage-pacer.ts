// Paces the list/watch loops through an API server outage as one. Every request goes through
// `client`; one that gets no response at all (refused, reset, timed out) starts an outage.
// During it a loop that would back off waits here instead, and the loops take turns to
// probe: one request at a time, as often as every `probeIntervalMs` (never slower than one
// loop's own backoff), and never more requests than the loops would have sent backing off
// on their own (outage-budget.ts). The first request that gets any answer ends the outage:
// every waiting loop goes at once, with its backoff reset, so all watches come back together.
import type { BackoffOptions } from './backoff.ts';
import type { KubeClient } from './kube-client.ts';
import { delayOf, outageBudgetReachedAt } from './outage-budget.ts';
import { sleep, type WatchClock } from './watch-clock.ts';

/** How a pause ended: its own delay passed, its turn to probe came, or the API answers again. */
export type PauseEnd = 'slept' | 'probe' | 'recovered';

export interface OutagePacer {
  /** `inner`, observed: its answers and failures tell the pacer whether the API is reachable. */
  readonly client: KubeClient;
  /** A loop's wait before retrying: `backoffMs` while the API answers, else until its turn or the API's return. */
  pause(backoffMs: number, signal: AbortSignal): Promise<PauseEnd>;
}

export interface OutagePacerOptions {
  readonly inner: KubeClient;
  readonly clock: WatchClock;
  readonly backoff: BackoffOptions;
  readonly probeIntervalMs: number;
  /** How many loops share the pacer: the budget is theirs together. */
  readonly loops: number;
  /** Aborted when the loops stop: requests failing then say nothing about the API. */
  readonly stopping: AbortSignal;
}

export const DEFAULT_OUTAGE_PROBE_MS = 1_500;

export function createOutagePacer(options: OutagePacerOptions): OutagePacer {
  const { clock, backoff, loops } = options;
  let outage: { readonly since: number; requests: number; probes: number; lastProbeAt: number } | undefined;
  const waiting: ((end: PauseEnd) => void)[] = [];
  let cancelTimer: (() => void) | undefined;

  const schedule = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
    if (outage === undefined || waiting.length === 0) return;
    const interval = Math.min(options.probeIntervalMs, delayOf(backoff, outage.probes));
    const at = Math.max(outage.lastProbeAt + interval, outage.since + outageBudgetReachedAt(outage.requests + 1, backoff, loops));
    cancelTimer = clock.setTimer(grant, Math.max(0, at - clock.now()));
  };
  // The next probe is scheduled when this one fails (one in flight at a time).
  const grant = (): void => {
    cancelTimer = undefined;
    const next = waiting.shift();
    if (outage === undefined || next === undefined) return;
    outage.probes += 1;
    outage.lastProbeAt = clock.now();
    next('probe');
  };
  const answered = (): void => {
    if (outage === undefined) return;
    outage = undefined;
    cancelTimer?.();
    cancelTimer = undefined;
    for (const release of waiting.splice(0)) release('recovered');
  };
  const unreachable = (): void => {
    const now = clock.now();
    outage ??= { since: now, requests: 0, probes: 0, lastProbeAt: now };
    schedule();
  };

  const client: KubeClient = {
    server: options.inner.server,
    async get(pathAndQuery, signal) {
      if (outage !== undefined) outage.requests += 1;
      try {
        const response = await options.inner.get(pathAndQuery, signal);
        answered();
        return response;
      } catch (error) {
        if (!options.stopping.aborted) unreachable();
        throw error;
      }
    },
  };
  return {
    client,
    pause(backoffMs, signal) {
      if (outage === undefined) return sleep(clock, backoffMs, signal).then(() => 'slept');
      return new Promise((resolve) => {
        const release = (end: PauseEnd): void => {
          signal.removeEventListener('abort', onAbort);
          resolve(end);
        };
        const onAbort = (): void => {
          waiting.splice(waiting.indexOf(release), 1);
          resolve('slept');
        };
        waiting.push(release);
        signal.addEventListener('abort', onAbort, { once: true });
        if (cancelTimer === undefined) schedule();
      });
    },
  };
}
