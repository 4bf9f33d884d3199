import { describe, expect, it } from 'vitest';
import { EventHistory, type StoredEvent } from './event-history.ts';

const event = (resourceVersion: number): StoredEvent => ({ type: 'ADDED', resourceVersion, key: `ns/o${resourceVersion}`, object: {}, previous: undefined });

describe('EventHistory', () => {
  it('keeps the newest `limit` events and raises the floor to the last evicted version', () => {
    const history = new EventHistory(3, 10);
    for (const rv of [11, 13, 14, 17, 20]) history.append(event(rv));
    expect(history.size).toBe(3);
    expect(history.floor).toBe(13);
    expect(history.since(13).map((e) => e.resourceVersion)).toEqual([14, 17, 20]);
    expect(history.since(15).map((e) => e.resourceVersion)).toEqual([17, 20]);
    expect(history.since(20)).toEqual([]);
  });

  it('stays correct across its internal compaction', () => {
    const history = new EventHistory(10, 0);
    for (let rv = 1; rv <= 5000; rv += 1) history.append(event(rv));
    expect(history.floor).toBe(4990);
    expect(history.since(4995).map((e) => e.resourceVersion)).toEqual([4996, 4997, 4998, 4999, 5000]);
  });

  it('forget drops every event and sets the floor', () => {
    const history = new EventHistory(5, 0);
    history.append(event(1));
    history.forget(7);
    expect(history.size).toBe(0);
    expect(history.floor).toBe(7);
    expect(history.since(0)).toEqual([]);
  });
});
