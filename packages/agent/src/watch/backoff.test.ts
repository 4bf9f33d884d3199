import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.ts';

const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

describe('createBackoff', () => {
  it('doubles up to the cap without jitter when the rng draws 0', () => {
    const backoff = createBackoff(options, () => 0);
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.failures).toBe(6);
  });

  it('takes up to `jitter` off the base delay, never exceeding the cap', () => {
    const backoff = createBackoff(options, () => 0.999999);
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('starts over after reset', () => {
    const backoff = createBackoff(options, () => 0);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
