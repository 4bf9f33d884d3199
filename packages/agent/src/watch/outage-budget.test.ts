import { describe, expect, it } from 'vitest';
import { createBackoff, DEFAULT_BACKOFF } from './backoff.ts';
import { outageBudgetReachedAt, outageRequestBudget } from './outage-budget.ts';

/** Requests three loops on the jitter-free schedule have sent by `ms`, counted by running it. */
function countedByRunning(ms: number): number {
  const backoff = createBackoff({ ...DEFAULT_BACKOFF, jitter: 0 }, () => 0);
  let requests = 1;
  for (let at = backoff.next(); at <= ms; at += backoff.next()) requests += 1;
  return 3 * requests;
}

describe('outageRequestBudget', () => {
  it('is what three loops on the jitter-free schedule have sent at each of their attempts', () => {
    for (const ms of [0, 500, 1_500, 3_500, 7_500, 15_500, 31_500, 61_500, 91_500]) {
      expect(outageRequestBudget(ms, DEFAULT_BACKOFF, 3)).toBeCloseTo(countedByRunning(ms), 9);
    }
  });

  it('spreads each delay evenly and once capped, grows by one request per loop per 30 s', () => {
    expect(outageRequestBudget(20_000, DEFAULT_BACKOFF, 3)).toBeCloseTo(3 * (6 + 4_500 / 16_000), 9);
    expect(outageRequestBudget(300_000 + 1_500, DEFAULT_BACKOFF, 3) - outageRequestBudget(1_500 + 270_000, DEFAULT_BACKOFF, 3)).toBeCloseTo(3, 9);
  });
});

describe('outageBudgetReachedAt', () => {
  it('inverts the budget', () => {
    expect(outageBudgetReachedAt(3, DEFAULT_BACKOFF, 3)).toBe(0);
    for (const requests of [4, 6, 7.5, 13, 18, 19, 40]) {
      expect(outageRequestBudget(outageBudgetReachedAt(requests, DEFAULT_BACKOFF, 3), DEFAULT_BACKOFF, 3)).toBeCloseTo(requests, 9);
    }
  });
});
