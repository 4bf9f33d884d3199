// The request budget of an outage: how many requests the list/watch loops would make, each
// backing off on its own, in the first milliseconds of an API server outage. The outage
// pacer never sends more. Pure.
import assert from 'node:assert/strict';
import type { BackoffOptions } from './backoff.ts';

/** The delay before retry `attempt` (0: the first) of one loop, without jitter. */
export function delayOf(backoff: BackoffOptions, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** attempt);
}

/**
 * Requests `loops` independent loops on `backoff` make in the first `elapsedMs` of an outage:
 * each loop's first failed request, then one after each delay. Without jitter, which only
 * shortens delays, so this is the fewest they make; spread evenly across each delay.
 */
export function outageRequestBudget(elapsedMs: number, backoff: BackoffOptions, loops: number): number {
  assert.ok(backoff.initialMs > 0 && elapsedMs >= 0);
  let at = 0;
  for (let attempt = 0; ; attempt += 1) {
    const delay = delayOf(backoff, attempt);
    if (at + delay > elapsedMs) return loops * (1 + attempt + (elapsedMs - at) / delay);
    at += delay;
  }
}

/** The inverse: how many ms into the outage the budget reaches `requests`. */
export function outageBudgetReachedAt(requests: number, backoff: BackoffOptions, loops: number): number {
  assert.ok(backoff.initialMs > 0 && loops > 0);
  const attemptsPerLoop = requests / loops - 1;
  if (attemptsPerLoop <= 0) return 0;
  let at = 0;
  for (let attempt = 0; ; attempt += 1) {
    const delay = delayOf(backoff, attempt);
    if (attemptsPerLoop <= attempt + 1) return at + (attemptsPerLoop - attempt) * delay;
    at += delay;
  }
}
