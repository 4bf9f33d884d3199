import { describe, expect, it } from 'vitest';
import { createSnapshotStream, deliverSnapshots } from './snapshot-stream.ts';
import type { Snapshot } from './snapshot.ts';
import { realWatchClock } from './watch-clock.ts';

function fakeSource(): { ready: boolean; dirty: number; taken: number; source: Parameters<typeof createSnapshotStream>[0] } {
  const state = {
    ready: false,
    dirty: 0,
    taken: 0,
    source: {
      isReady: () => state.ready,
      isDirty: () => state.dirty > 0,
      take: (): Snapshot => {
        state.taken += 1;
        const changes = state.dirty;
        state.dirty = 0;
        return { services: [], endpointSlices: [], node: undefined, pendingSince: new Map([['changes', changes]]), generation: state.taken };
      },
    },
  };
  return state;
}

describe('createSnapshotStream', () => {
  it('waits for the gate, folds everything pending into one snapshot, and ends on close', async () => {
    const state = fakeSource();
    const stream = createSnapshotStream(state.source, realWatchClock, 20);
    const iterator = stream.snapshots[Symbol.asyncIterator]();
    const first = iterator.next();
    state.dirty = 1;
    stream.notify();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(state.taken).toBe(0);
    state.ready = true;
    stream.notify();
    state.dirty += 2;
    expect(await first).toEqual({ done: false, value: expect.objectContaining({ generation: 1, pendingSince: new Map([['changes', 3]]) }) });
    const second = iterator.next();
    stream.close();
    expect(await second).toEqual({ done: true, value: undefined });
    expect(() => stream.snapshots[Symbol.asyncIterator]()).toThrow('one consumer only');
  });
});

describe('deliverSnapshots', () => {
  it('routes a throwing consumer to onError and carries on', async () => {
    const snapshot = (generation: number): Snapshot => ({ services: [], endpointSlices: [], node: undefined, pendingSince: new Map(), generation });
    async function* three(): AsyncGenerator<Snapshot> {
      yield snapshot(1);
      yield snapshot(2);
      yield snapshot(3);
    }
    const seen: number[] = [];
    const errors: number[] = [];
    await deliverSnapshots(
      three(),
      async (s) => {
        seen.push(s.generation);
        if (s.generation === 2) throw new Error('boom');
      },
      (_error, s) => errors.push(s.generation),
    );
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toEqual([2]);
  });
});
