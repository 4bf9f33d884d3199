import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFlushWatch } from '@kpx/agent/daemon/flush-watch.ts';
import type { Timers } from '@kpx/agent/daemon/sync-runner.ts';
import type { FlushDetection } from '@kpx/agent/modes/mode.ts';
import { silentLogger } from '@kpx/agent/log.ts';

const fakeableTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function setUp(results: (FlushDetection | undefined | Error)[]) {
  let idle = true;
  let checks = 0;
  const flushes: FlushDetection[] = [];
  const watch = startFlushWatch({
    intervalMs: 1_000,
    timers: fakeableTimers,
    log: silentLogger(),
    isIdle: () => idle,
    detect: async () => {
      const result = results[Math.min(checks, results.length - 1)];
      checks += 1;
      if (result instanceof Error) throw result;
      return result;
    },
    onFlush: (detection) => {
      flushes.push(detection);
      idle = false; // a full sync is now due
    },
  });
  return { watch, flushes, checks: () => checks, setIdle: (value: boolean) => (idle = value) };
}

describe('flush watch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('checks once per interval while idle, and reports a flush once until idle again', async () => {
    const { watch, flushes, checks, setIdle } = setUp([undefined, { lost: ['nat'] }, { lost: ['nat'] }, undefined]);
    await vi.advanceTimersByTimeAsync(999);
    expect(checks()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(checks()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(flushes).toEqual([{ lost: ['nat'] }]);
    // Not idle (a full sync is due or running): no check at all.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(checks()).toBe(2);
    setIdle(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(checks()).toBe(3);
    expect(flushes).toHaveLength(2);
    await watch.stop();
  });

  it('drops a result that arrives once a sync has started, and keeps polling after a failed check', async () => {
    let idle = true;
    const flushes: FlushDetection[] = [];
    let checks = 0;
    const watch = startFlushWatch({
      intervalMs: 1_000,
      timers: fakeableTimers,
      log: silentLogger(),
      isIdle: () => idle,
      detect: async () => {
        checks += 1;
        if (checks === 1) throw new Error('iptables failed');
        idle = false; // a sync starts while this check runs
        return { lost: ['filter'] };
      },
      onFlush: (detection) => flushes.push(detection),
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(checks).toBe(2);
    expect(flushes).toEqual([]);
    await watch.stop();
    idle = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(checks).toBe(2);
  });
});

describe('flush watch spacing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits ten times as long as a slow check took before the next one', async () => {
    const started: number[] = [];
    const t0 = Date.now();
    const watch = startFlushWatch({
      intervalMs: 1_000,
      timers: fakeableTimers,
      log: silentLogger(),
      isIdle: () => true,
      detect: async () => {
        started.push(Date.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 500));
        return undefined;
      },
      onFlush: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(12_600);
    // Each check takes 500 ms: the next starts 5 s after it ended.
    expect(started).toEqual([1_000, 6_500, 12_000]);
    await watch.stop();
  });
});

describe('flush watch on demand', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('checks at once when asked (after a failed sync), then keeps its interval', async () => {
    const { watch, checks, flushes } = setUp([{ lost: ['nat'] }]);
    await vi.advanceTimersByTimeAsync(300);
    watch.checkSoon();
    await vi.advanceTimersByTimeAsync(1);
    expect(checks()).toBe(1);
    expect(flushes).toEqual([{ lost: ['nat'] }]);
    await watch.stop();
  });
});

describe('flush watch pace on a busy machine', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is set by the fastest of the recent checks, so one slow check does not space the next ones out', async () => {
    const durations = [50, 400, 50, 50];
    const started: number[] = [];
    const t0 = Date.now();
    const watch = startFlushWatch({
      intervalMs: 1_000,
      timers: fakeableTimers,
      log: silentLogger(),
      isIdle: () => true,
      detect: async () => {
        started.push(Date.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, durations[started.length - 1] ?? 50));
        return undefined;
      },
      onFlush: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(4_700);
    expect(started).toEqual([1_000, 2_050, 3_450, 4_500]);
    await watch.stop();
  });
});
