import { describe, expect, it } from 'vitest';
import { createProxyHealthTracker, healthTimeoutForSyncPeriod, isNodeEligible, TO_BE_DELETED_TAINT } from './proxy-health.ts';

function manualClock(startMs: number) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('proxy health tracker', () => {
  it('is healthy before any update, even with a change queued (upstream judges only families that updated)', () => {
    const clock = manualClock(1_000);
    const tracker = createProxyHealthTracker({ healthTimeoutMs: 60_000, clock });
    tracker.queuedUpdate('IPv4');
    clock.advance(10 * 60_000);
    expect(tracker.health()).toEqual({ lastUpdatedMs: undefined, currentTimeMs: 601_000, healthy: true, status: new Map() });
  });

  it('turns unhealthy once the oldest pending change waited healthTimeout, and healthy after an update', () => {
    const clock = manualClock(0);
    const tracker = createProxyHealthTracker({ healthTimeoutMs: healthTimeoutForSyncPeriod(30_000), clock });
    tracker.updated('IPv4');
    clock.advance(5_000);
    tracker.queuedUpdate('IPv4');
    clock.advance(30_000);
    tracker.queuedUpdate('IPv4'); // a later change does not restart the wait
    clock.advance(29_999);
    expect(tracker.health().healthy).toBe(true);
    clock.advance(1);
    const late = tracker.health();
    expect(late.healthy).toBe(false);
    expect(late.lastUpdatedMs).toBe(0);
    expect(late.status.get('IPv4')).toEqual({ lastUpdatedMs: 0, healthy: false });
    tracker.updated('IPv4');
    expect(tracker.health()).toMatchObject({ healthy: true, lastUpdatedMs: 65_000 });
  });

  it('is unhealthy from a detected flush until the next update, whatever is queued', () => {
    const clock = manualClock(0);
    const tracker = createProxyHealthTracker({ healthTimeoutMs: 60_000, clock });
    tracker.updated('IPv4');
    tracker.rulesLost('IPv4');
    expect(tracker.health().status.get('IPv4')).toEqual({ lastUpdatedMs: 0, healthy: false });
    clock.advance(500);
    tracker.updated('IPv4');
    expect(tracker.health().healthy).toBe(true);
  });

  it('judges each family on its own; one late family makes the proxy unhealthy', () => {
    const clock = manualClock(0);
    const tracker = createProxyHealthTracker({ healthTimeoutMs: 1_000, clock });
    tracker.updated('IPv4');
    tracker.updated('IPv6');
    tracker.queuedUpdate('IPv6');
    clock.advance(2_000);
    tracker.updated('IPv4');
    const health = tracker.health();
    expect(health.healthy).toBe(false);
    expect(health.lastUpdatedMs).toBe(2_000);
    expect([...health.status]).toEqual([
      ['IPv4', { lastUpdatedMs: 2_000, healthy: true }],
      ['IPv6', { lastUpdatedMs: 0, healthy: false }],
    ]);
  });
});

describe('isNodeEligible', () => {
  it.each([
    ['unknown node', undefined, false],
    ['plain node', { metadata: { name: 'n1' }, spec: {} }, true],
    ['node being deleted', { metadata: { name: 'n1', deletionTimestamp: '2026-01-01T00:00:00Z' } }, false],
    [
      'autoscaler taint',
      {
        metadata: { name: 'n1' },
        spec: {
          taints: [
            { key: 'other', effect: 'NoSchedule' },
            { key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' },
          ],
        },
      },
      false,
    ],
    ['other taints only', { metadata: { name: 'n1' }, spec: { taints: [{ key: 'node.kubernetes.io/unschedulable' }] } }, true],
    ['garbage taints', { metadata: 'x', spec: { taints: 'nope' } }, true],
    ['null taint entries', { spec: { taints: [null, 3] } }, true],
  ])('%s → %s', (_label, node, expected) => {
    expect(isNodeEligible(node)).toBe(expected);
  });
});
