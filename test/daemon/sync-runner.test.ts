import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelayMs,
  createSyncRunner,
  realTimers,
  type SyncFailure,
  type SyncRunnerOptions,
  type SyncTrigger,
  type Timers,
} from '@kpx/agent/daemon/sync-runner.ts';

// Timers read through the globals vitest fakes; Date.now is faked too.
const fakeableTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Recorded {
  readonly at: number;
  readonly trigger: SyncTrigger;
}

function makeRunner(overrides: Partial<SyncRunnerOptions> & { durationMs?: number; failUntil?: number } = {}) {
  const runs: Recorded[] = [];
  const failures: SyncFailure[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const t0 = Date.now();
  const runner = createSyncRunner({
    name: 'test',
    minIntervalMs: 1000,
    maxIntervalMs: 60_000,
    retry: { initialMs: 100, maxMs: 400 },
    timers: fakeableTimers,
    onError: (failure) => failures.push(failure),
    sync: async (trigger) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs.push({ at: Date.now() - t0, trigger });
      try {
        if (overrides.durationMs !== undefined) await new Promise((resolve) => setTimeout(resolve, overrides.durationMs));
        if (runs.length <= (overrides.failUntil ?? 0)) throw new Error(`boom ${runs.length}`);
      } finally {
        concurrent -= 1;
      }
    },
    ...overrides,
  });
  return { runner, runs, failures, maxConcurrent: () => maxConcurrent };
}

describe('sync runner (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a request at once, then coalesces requests made during the cooldown into one run', async () => {
    const { runner, runs } = makeRunner();
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((r) => r.at)).toEqual([0]);
    expect(runs[0]?.trigger).toEqual({ requested: true, periodic: false, retry: false, consecutiveFailures: 0 });

    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(100);
      runner.run();
    }
    await vi.advanceTimersByTimeAsync(499);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at)).toEqual([0, 1000]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(2);
    await runner.stop();
  });

  it('measures minInterval from the end of a slow run, and never runs concurrently', async () => {
    const harness = makeRunner({ durationMs: 300 });
    const { runner, runs } = harness;
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(50);
    runner.run();
    runner.run();
    expect(runner.isRunning).toBe(true);
    await vi.advanceTimersByTimeAsync(250 + 999);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.at)).toEqual([0, 1300]);
    expect(harness.maxConcurrent()).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    await runner.stop();
  });

  it('runs at least once per maxInterval without any request', async () => {
    const { runner, runs } = makeRunner({ maxIntervalMs: 10_000 });
    runner.start();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(runs.map((r) => r.at)).toEqual([10_000, 20_000, 30_000]);
    expect(runs.every((r) => r.trigger.periodic && !r.trigger.requested)).toBe(true);
    // A requested run restarts the period.
    await vi.advanceTimersByTimeAsync(2_000);
    runner.run();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs.map((r) => r.at)).toEqual([10_000, 20_000, 30_000, 37_000, 47_000]);
    await runner.stop();
  });

  it('holds a run() made before start() until start()', async () => {
    const { runner, runs } = makeRunner();
    runner.run();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toHaveLength(0);
    runner.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((r) => r.at)).toEqual([5_000]);
    await runner.stop();
  });

  it('retries a failing sync with capped exponential backoff, reports each error, and resets on success', async () => {
    const { runner, runs, failures } = makeRunner({ minIntervalMs: 0, failUntil: 4 });
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(2_000);
    // Failures at 0, 100, 300, 700 (backoff 100, 200, 400, 400 capped); success at 1100.
    expect(runs.map((r) => r.at)).toEqual([0, 100, 300, 700, 1100]);
    expect(failures.map((f) => [f.consecutiveFailures, f.retryInMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 400],
    ]);
    expect(failures.map((f) => (f.error as Error).message)).toEqual(['boom 1', 'boom 2', 'boom 3', 'boom 4']);
    expect(runs.slice(1).every((r) => r.trigger.retry)).toBe(true);
    expect(runs.map((r) => r.trigger.consecutiveFailures)).toEqual([0, 1, 2, 3, 4]);
    runner.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.at(-1)?.trigger.consecutiveFailures).toBe(0);
    await runner.stop();
  });

  it('survives a sync that throws synchronously and an onError that throws', async () => {
    let calls = 0;
    const runner = createSyncRunner({
      name: 'sync-throw',
      minIntervalMs: 0,
      maxIntervalMs: 60_000,
      retry: { initialMs: 50, maxMs: 50 },
      timers: fakeableTimers,
      onError: () => {
        throw new Error('callback broken');
      },
      sync: (() => {
        calls += 1;
        throw new Error('not even a promise');
      }) as unknown as SyncRunnerOptions['sync'],
    });
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(120);
    expect(calls).toBe(3);
    await runner.stop();
  });

  it('a successful run cancels a pending retry; the soonest retryAfter wins', async () => {
    const { runner, runs } = makeRunner({ minIntervalMs: 0, failUntil: 1, retry: { initialMs: 500, maxMs: 500 } });
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(100);
    runner.run(); // succeeds at 100: the retry due at 500 is dropped
    await vi.advanceTimersByTimeAsync(2_000);
    expect(runs.map((r) => r.at)).toEqual([0, 100]);

    runner.retryAfter(2_000);
    runner.retryAfter(300);
    runner.retryAfter(900);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs.map((r) => r.at)).toEqual([0, 100, 2_400]);
    expect(runs.at(-1)?.trigger.retry).toBe(true);
    await runner.stop();
  });

  it('keeps a retryAfter() asked for during a run that then succeeds', async () => {
    const starts: number[] = [];
    const t0 = Date.now();
    const runner = createSyncRunner({
      name: 'retry-inside',
      minIntervalMs: 10,
      maxIntervalMs: 60_000,
      retry: { initialMs: 100, maxMs: 100 },
      timers: fakeableTimers,
      onError: () => undefined,
      sync: async () => {
        starts.push(Date.now() - t0);
        if (starts.length === 1) runner.retryAfter(250);
      },
    });
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(starts).toEqual([0, 250]);
    await runner.stop();
  });

  it('stop() waits for the run in flight and nothing runs afterwards', async () => {
    const { runner, runs } = makeRunner({ durationMs: 500, maxIntervalMs: 1_000 });
    runner.start();
    runner.run();
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(399);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
    runner.run();
    runner.retryAfter(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('sync runner options and backoff', () => {
  it.each([
    [{ minIntervalMs: 2_000, maxIntervalMs: 1_000 }, /maxIntervalMs \(1000\) must be >= minIntervalMs \(2000\)/],
    [{ minIntervalMs: -1 }, /minIntervalMs must be a finite number >= 0/],
    [{ retry: { initialMs: 10, maxMs: 5 } }, /retry.maxMs \(5\) must be >= retry.initialMs \(10\)/],
    [{ maxIntervalMs: Number.NaN }, /maxIntervalMs must be a finite number/],
  ])('rejects %j', (overrides, message) => {
    expect(() =>
      createSyncRunner({
        name: 'bad',
        minIntervalMs: 0,
        maxIntervalMs: 1_000,
        retry: { initialMs: 1, maxMs: 1 },
        onError: () => undefined,
        sync: async () => undefined,
        ...overrides,
      }),
    ).toThrow(message);
  });

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [500, 1_000],
  ])('backoff after %i failures is %i ms', (failures, expected) => {
    expect(backoffDelayMs(failures, { initialMs: 100, maxMs: 1_000 })).toBe(expected);
  });
});

describe('sync runner (real timers)', () => {
  it('keeps minInterval between the end of a run and the start of the next', async () => {
    const spans: { start: number; end: number }[] = [];
    const runner = createSyncRunner({
      name: 'real',
      minIntervalMs: 40,
      maxIntervalMs: 10_000,
      retry: { initialMs: 40, maxMs: 40 },
      timers: realTimers,
      onError: () => undefined,
      sync: async () => {
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 5));
        spans.push({ start, end: performance.now() });
      },
    });
    runner.start();
    const deadline = performance.now() + 250;
    while (performance.now() < deadline) {
      runner.run();
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await runner.stop();
    expect(spans.length).toBeGreaterThanOrEqual(2);
    expect(spans.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < spans.length; i++) {
      const gap = spans[i]!.start - spans[i - 1]!.end;
      expect(gap).toBeGreaterThanOrEqual(39);
    }
  });
});
