import { describe, expect, it } from 'vitest';
import { makeClusterIPService, makeReadySlice } from '../../../../test/helpers/k8s-builders.ts';
import type { RawObject } from '../model/inputs.ts';
import { createChangeTracker, LAST_CHANGE_TRIGGER_TIME, lastChangeTriggerTimeMs, owningServiceKey } from './change-tracker.ts';

describe('createChangeTracker', () => {
  it('keeps the arrival time of the oldest pending change per service', () => {
    const tracker = createChangeTracker();
    const web = makeClusterIPService('ns', 'web');
    tracker.serviceChanged({ key: 'ns/web', previous: undefined, current: web }, 100);
    tracker.serviceChanged({ key: 'ns/web', previous: web, current: web }, 200);
    tracker.endpointSliceChanged({ key: 'ns/web-abc', previous: undefined, current: makeReadySlice('ns', 'web-abc', 'web') }, 150);
    tracker.endpointSliceChanged({ key: 'ns/db-abc', previous: undefined, current: makeReadySlice('ns', 'db-abc', 'db') }, 300);
    expect(tracker.isDirty).toBe(true);

    expect(tracker.take()).toEqual({
      pendingSince: new Map([
        ['ns/web', 100],
        ['ns/db', 300],
      ]),
      generation: 1,
    });
    expect(tracker.isDirty).toBe(false);
    tracker.serviceChanged({ key: 'ns/web', previous: web, current: undefined }, 400);
    expect(tracker.take()).toEqual({ pendingSince: new Map([['ns/web', 400]]), generation: 2 });
  });

  it('counts a relabelled slice for both its old and new service', () => {
    const tracker = createChangeTracker();
    tracker.endpointSliceChanged({ key: 'ns/s', previous: makeReadySlice('ns', 's', 'old'), current: makeReadySlice('ns', 's', 'new') }, 5);
    expect([...tracker.take().pendingSince]).toEqual([
      ['ns/old', 5],
      ['ns/new', 5],
    ]);
  });

  it('marks itself dirty for changes that belong to no service', () => {
    const tracker = createChangeTracker();
    tracker.otherChanged();
    expect(tracker.isDirty).toBe(true);
    expect(tracker.take().pendingSince.size).toBe(0);
    expect(tracker.isDirty).toBe(false);
  });
});

function triggeredSlice(name: string, service: string, time: string): RawObject {
  const slice = makeReadySlice('ns', name, service) as RawObject & { metadata: Record<string, unknown> };
  slice.metadata['annotations'] = { [LAST_CHANGE_TRIGGER_TIME]: time };
  return slice;
}

const T0 = Date.parse('2026-12-04T10:00:00Z');

describe('network-programming latency from the last-change-trigger-time annotation (upstream EndpointsChangeTracker)', () => {
  it('starts a slice change at its trigger time, the oldest per service', () => {
    const tracker = createChangeTracker(T0);
    tracker.endpointSliceChanged({ key: 'ns/web-a', previous: undefined, current: triggeredSlice('web-a', 'web', '2026-12-04T10:00:05.250Z') }, T0 + 9_000);
    tracker.endpointSliceChanged({ key: 'ns/web-b', previous: undefined, current: triggeredSlice('web-b', 'web', '2026-12-04T10:00:02Z') }, T0 + 9_500);
    expect(tracker.take().pendingSince).toEqual(new Map([['ns/web', T0 + 2_000]]));
  });

  it('falls back to the receive time when the annotation is absent, unreadable, or older than the tracker', () => {
    const tracker = createChangeTracker(T0);
    tracker.endpointSliceChanged({ key: 'ns/a', previous: undefined, current: makeReadySlice('ns', 'a', 'absent') }, T0 + 1);
    tracker.endpointSliceChanged({ key: 'ns/b', previous: undefined, current: triggeredSlice('b', 'bad', 'yesterday') }, T0 + 2);
    tracker.endpointSliceChanged({ key: 'ns/c', previous: undefined, current: triggeredSlice('c', 'old', '2026-12-04T09:59:59Z') }, T0 + 3);
    expect(tracker.take().pendingSince).toEqual(
      new Map([
        ['ns/absent', T0 + 1],
        ['ns/bad', T0 + 2],
        ['ns/old', T0 + 3],
      ]),
    );
  });

  it('ignores the annotation of a deleted slice, which dates its previous update', () => {
    const tracker = createChangeTracker(T0);
    const slice = triggeredSlice('web-a', 'web', '2026-12-04T10:00:01Z');
    tracker.endpointSliceChanged({ key: 'ns/web-a', previous: slice, current: undefined }, T0 + 7_000);
    expect(tracker.take().pendingSince).toEqual(new Map([['ns/web', T0 + 7_000]]));
  });

  it.each([
    ['2026-12-04T10:00:00.123456789Z', T0 + 123],
    ['2026-12-04T12:00:00+02:00', T0],
    ['2026-12-04T10:00:00', undefined],
    ['2026-12-04 10:00:00Z', undefined],
    ['', undefined],
  ])('reads %j as RFC 3339 (Go time.RFC3339Nano)', (time, ms) => {
    expect(lastChangeTriggerTimeMs(triggeredSlice('s', 'web', time))).toBe(ms);
  });
});

describe('owningServiceKey', () => {
  it.each([
    [makeReadySlice('ns', 's', 'web'), 'ns/web'],
    [{ metadata: { namespace: 'ns', name: 's' } }, undefined],
    [{ metadata: { namespace: 'ns', labels: { 'kubernetes.io/service-name': '' } } }, undefined],
    [{ metadata: { labels: { 'kubernetes.io/service-name': 'web' } } }, undefined],
    [undefined, undefined],
  ])('%j → %s', (slice, key) => {
    expect(owningServiceKey(slice)).toBe(key);
  });
});
