// Exponential backoff with jitter and a cap, as client-go's reflector uses between failed
// lists and watches. Pure: randomness comes in as an Rng.

export type Rng = () => number;

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Each failure multiplies the base delay by this. */
  readonly factor: number;
  /** The delay is drawn uniformly from [base × (1 − jitter), base]; 0 disables jitter. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

export interface Backoff {
  /** The delay before the next attempt; grows with each call until reset(). */
  next(): number;
  reset(): void;
  readonly failures: number;
}

export function createBackoff(options: BackoffOptions, rng: Rng): Backoff {
  let failures = 0;
  return {
    next(): number {
      const base = Math.min(options.maxMs, options.initialMs * options.factor ** failures);
      failures += 1;
      return Math.round(base * (1 - options.jitter * rng()));
    },
    reset(): void {
      failures = 0;
    },
    get failures(): number {
      return failures;
    },
  };
}
