import { describe, expect, it } from 'vitest';
import { makeService, makeSlice } from '../../../../test/watch/objects.ts';
import { createChangeTracker, owningServiceKey } from './change-tracker.ts';

describe('createChangeTracker', () => {
  it('keeps the arrival time of the oldest pending change per service', () => {
    const tracker = createChangeTracker();
    const web = makeService('ns', 'web');
    tracker.serviceChanged({ key: 'ns/web', previous: undefined, current: web }, 100);
    tracker.serviceChanged({ key: 'ns/web', previous: web, current: web }, 200);
    tracker.endpointSliceChanged({ key: 'ns/web-abc', previous: undefined, current: makeSlice('ns', 'web-abc', 'web') }, 150);
    tracker.endpointSliceChanged({ key: 'ns/db-abc', previous: undefined, current: makeSlice('ns', 'db-abc', 'db') }, 300);
    expect(tracker.isDirty).toBe(true);

    expect(tracker.take()).toEqual({ pendingSince: new Map([['ns/web', 100], ['ns/db', 300]]), generation: 1 });
    expect(tracker.isDirty).toBe(false);
    tracker.serviceChanged({ key: 'ns/web', previous: web, current: undefined }, 400);
    expect(tracker.take()).toEqual({ pendingSince: new Map([['ns/web', 400]]), generation: 2 });
  });

  it('counts a relabelled slice for both its old and new service', () => {
    const tracker = createChangeTracker();
    tracker.endpointSliceChanged(
      { key: 'ns/s', previous: makeSlice('ns', 's', 'old'), current: makeSlice('ns', 's', 'new') },
      5,
    );
    expect([...tracker.take().pendingSince]).toEqual([['ns/old', 5], ['ns/new', 5]]);
  });

  it('marks itself dirty for changes that belong to no service', () => {
    const tracker = createChangeTracker();
    tracker.otherChanged();
    expect(tracker.isDirty).toBe(true);
    expect(tracker.take().pendingSince.size).toBe(0);
    expect(tracker.isDirty).toBe(false);
  });
});

describe('owningServiceKey', () => {
  it.each([
    [makeSlice('ns', 's', 'web'), 'ns/web'],
    [{ metadata: { namespace: 'ns', name: 's' } }, undefined],
    [{ metadata: { namespace: 'ns', labels: { 'kubernetes.io/service-name': '' } } }, undefined],
    [{ metadata: { labels: { 'kubernetes.io/service-name': 'web' } } }, undefined],
    [undefined, undefined],
  ])('%j → %s', (slice, key) => {
    expect(owningServiceKey(slice)).toBe(key);
  });
});
