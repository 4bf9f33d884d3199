// The watch layer against the embedded API server's faults: restart, 410, stalls, garbage,
// 500s; and its own contract: prompt stop, consumers that throw, the iterable face.
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { createKubeClient } from '@kpx/agent/watch/kube-client.ts';
import { serviceLabelSelector } from '@kpx/agent/watch/selectors.ts';
import type { Snapshot } from '@kpx/agent/watch/snapshot.ts';
import { startWatching } from '@kpx/agent/watch/watcher.ts';
import { FAST_TIMING, NODE_NAME, contentOf, delay, serverContent, startHarness, type Harness } from './harness.ts';
import { makeAddressedNode, makeClusterIPService, makeReadySlice } from '../helpers/k8s-builders.ts';

const DEFAULT_SELECTOR = serviceLabelSelector('');
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function smallSeed(): RawObject[] {
  return [
    makeClusterIPService('ns', 'web'),
    makeReadySlice('ns', 'web-1', 'web'),
    makeClusterIPService('ns', 'db'),
    makeReadySlice('ns', 'db-1', 'db'),
    makeAddressedNode(NODE_NAME),
  ];
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await delay(10);
  }
}

async function allWatchesOpen(h: Harness, atLeast = 1): Promise<void> {
  await waitUntil(() => (['services', 'endpointslices', 'node'] as const).every((r) => h.countEvents('watch-opened', r) >= atLeast));
}

/** Waits for the snapshot that shows exactly what the server holds now. */
async function expectCaughtUp(h: Harness, from: number): Promise<Snapshot> {
  const expected = await serverContent(h.server, DEFAULT_SELECTOR);
  const reached = await h.waitForSnapshot((s) => isDeepStrictEqual(contentOf(s), expected), { from });
  expect(contentOf(reached)).toEqual(expected);
  return reached;
}

describe('watch layer: faults', () => {
  it('survives the server restarting mid-watch and catches up on what changed while it was down', async () => {
    harness = await startHarness({ seed: smallSeed() });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    const from = harness.snapshots.length;

    await harness.server.stop();
    await harness.server.update(makeReadySlice('ns', 'web-1', 'web', { addresses: ['10.244.7.7'] }));
    await harness.server.remove('Service', 'ns', 'db');
    await delay(300);
    expect(harness.snapshots.length).toBe(from);
    await harness.server.restart();

    const caughtUp = await expectCaughtUp(harness, from);
    const changed = new Set(harness.snapshots.slice(from, harness.snapshots.indexOf(caughtUp) + 1).flatMap((s) => [...s.pendingSince.keys()]));
    expect([...changed].sort()).toEqual(['ns/db', 'ns/web']);
    expect(harness.countEvents('watch-failed')).toBeGreaterThanOrEqual(3);
    // A restarted server's watch cache starts at the current version, so the held versions get 410.
    expect(harness.countEvents('relist', 'services')).toBeGreaterThanOrEqual(1);
    expect(harness.countEvents('relist', 'endpointslices')).toBeGreaterThanOrEqual(1);
  });

  it('relists after 410 Gone and never emits a half-applied relist', async () => {
    const seed = [
      ...Array.from({ length: 300 }, (_, i) => makeClusterIPService('ns', `svc-${i}`)),
      makeReadySlice('ns', 'churn-1', 'svc-0'),
      makeAddressedNode(NODE_NAME),
    ];
    harness = await startHarness({ seed }, { timing: { pageSize: 10 } });
    const h = harness;
    const first = await h.waitForSnapshot(() => true);
    const before = contentOf(first).services;

    h.server.faults.failRequests(500);
    h.server.faults.dropWatches();
    await delay(100);
    for (let i = 0; i < 20; i += 1) await h.server.update(makeClusterIPService('ns', `svc-${i}`, { port: 1000 + i }));
    for (let i = 20; i < 40; i += 1) await h.server.remove('Service', 'ns', `svc-${i}`);
    for (let i = 0; i < 20; i += 1) await h.server.create(makeClusterIPService('ns', `new-${i}`));
    h.server.faults.expireHistory();
    h.server.faults.failRequests(undefined);
    const after = (await serverContent(h.server, DEFAULT_SELECTOR)).services;
    let isChurning = true;
    const churn = (async () => {
      for (let i = 0; isChurning; i += 1) {
        await h.server.update(makeReadySlice('ns', 'churn-1', 'svc-0', { addresses: [`10.244.9.${i % 250}`] }));
        await delay(3);
      }
    })();

    await h.waitForSnapshot((s) => isDeepStrictEqual(contentOf(s).services, after));
    isChurning = false;
    await churn;
    await expectCaughtUp(h, 0);
    expect(h.countEvents('relist', 'services')).toBeGreaterThanOrEqual(1);
    for (const snapshot of h.snapshots) {
      const services = contentOf(snapshot).services;
      expect(isDeepStrictEqual(services, before) || isDeepStrictEqual(services, after)).toBe(true);
    }
  });

  it('restarts a watch that stalls without sending a byte, then catches up', async () => {
    harness = await startHarness({ seed: smallSeed() }, { timing: { stallTimeoutMs: 300 } });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    const from = harness.snapshots.length;

    harness.server.faults.stallWatches(true);
    harness.server.faults.dropWatches();
    await harness.server.update(makeReadySlice('ns', 'web-1', 'web', { addresses: ['10.244.3.3'] }));
    await waitUntil(() => (harness?.countEvents('watch-stalled', 'endpointslices') ?? 0) >= 2);
    expect(harness.snapshots.length).toBe(from);
    harness.server.faults.stallWatches(false);

    await expectCaughtUp(harness, from);
    expect(harness.countEvents('watch-stalled', 'services')).toBeGreaterThanOrEqual(1);
  });

  it('restarts a watch frozen after its headers (a half-open connection)', async () => {
    harness = await startHarness({ seed: smallSeed() }, { timing: { stallTimeoutMs: 300 } });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    const from = harness.snapshots.length;

    harness.server.faults.freezeWatches();
    await harness.server.update(makeClusterIPService('ns', 'db', { port: 5432 }));

    await expectCaughtUp(harness, from);
    expect(harness.countEvents('watch-stalled', 'services')).toBe(1);
    expect(harness.countEvents('relist')).toBe(0);
  });

  it('reconnects after every watch connection is reset', async () => {
    harness = await startHarness({ seed: smallSeed() });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    const from = harness.snapshots.length;

    harness.server.faults.resetWatches();
    await harness.server.remove('EndpointSlice', 'ns', 'db-1');

    await expectCaughtUp(harness, from);
    expect(harness.countEvents('watch-failed') + harness.countEvents('watch-closed')).toBeGreaterThanOrEqual(3);
    expect(harness.countEvents('relist')).toBe(0);
  });

  it('counts garbage in the stream and re-watches without losing the event glued to it', async () => {
    harness = await startHarness({ seed: smallSeed() });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    const from = harness.snapshots.length;

    harness.server.faults.injectRaw('this is not json\n');
    await waitUntil(() => harness?.countEvents('decode-error') === 3);
    await allWatchesOpen(harness, 2);
    // An unterminated fragment: the next real event lands on the same line and cannot be decoded.
    harness.server.faults.injectRaw('{"type":"MODI');
    await harness.server.update(makeClusterIPService('ns', 'web', { port: 9090 }));

    await expectCaughtUp(harness, from);
    expect(harness.countEvents('decode-error', 'services')).toBe(2);
    expect(harness.countEvents('relist')).toBe(0);
  });

  it('backs off through a spell of 500s, keeping the last state, then recovers', async () => {
    harness = await startHarness({ seed: smallSeed() }, { timing: { backoff: { initialMs: 50, maxMs: 400, factor: 2, jitter: 0.5 } } });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    const from = harness.snapshots.length;

    harness.server.faults.failRequests(500);
    harness.server.faults.dropWatches();
    await delay(2_000);
    const failures = harness.countEvents('watch-failed', 'services');
    // Without backoff this would be hundreds; with 50 ms doubling to a 400 ms cap, a handful.
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(failures).toBeLessThanOrEqual(20);
    expect(harness.snapshots.length).toBe(from);
    harness.server.faults.failRequests(undefined);

    await harness.server.create(makeClusterIPService('ns', 'after-outage'));
    await expectCaughtUp(harness, from);
  });
});

describe('watch layer: its own contract', () => {
  it('stop() cancels pending reconnects at once and nothing runs afterwards', async () => {
    harness = await startHarness({ seed: smallSeed() }, { timing: { backoff: { initialMs: 10_000, maxMs: 10_000, factor: 2, jitter: 0 } } });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    harness.server.faults.failRequests(500);
    harness.server.faults.dropWatches();
    // Each loop saw its young, silent watch end and now sleeps 10 s before reconnecting.
    await waitUntil(() => harness?.countEvents('watch-closed') === 3);

    const started = Date.now();
    await harness.watching.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    const seen = harness.observations.length;
    harness.server.faults.failRequests(undefined);
    await harness.server.create(makeClusterIPService('ns', 'too-late'));
    await delay(300);
    expect(harness.observations.length).toBe(seen);
  });

  it('stop() closes open watches promptly', async () => {
    harness = await startHarness({ seed: smallSeed() });
    await harness.waitForSnapshot(() => true);
    await allWatchesOpen(harness);
    expect(harness.server.openWatchCount()).toBe(3);
    const started = Date.now();
    await harness.watching.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await waitUntil(() => harness?.server.openWatchCount() === 0, 200);
    expect(harness.countEvents('watch-failed')).toBe(0);
  });

  it('emits nothing while the initial lists fail, then exactly the synced state', async () => {
    const server = await startApiServer({ seed: smallSeed() });
    server.faults.failRequests(500);
    const snapshots: Snapshot[] = [];
    const failures: string[] = [];
    const watching = startWatching({
      client: createKubeClient({ masterUrl: server.url }),
      nodeName: NODE_NAME,
      coalesceMs: 5,
      timing: FAST_TIMING,
      onEvent: (event) => {
        if (event.type === 'list-failed') failures.push(event.resource);
      },
      onSnapshot: (snapshot) => {
        snapshots.push(snapshot);
      },
    });
    try {
      await waitUntil(() => failures.filter((resource) => resource === 'services').length >= 3);
      expect(snapshots).toEqual([]);
      expect(watching.stats().isSynced).toBe(false);
      server.faults.failRequests(undefined);
      await waitUntil(() => snapshots.length === 1);
      const expected = await serverContent(server, DEFAULT_SELECTOR);
      expect(contentOf(snapshots[0] as Snapshot)).toEqual(expected);
      expect(snapshots[0]?.generation).toBe(1);
    } finally {
      await watching.stop();
      await server.stop();
    }
  });

  it('keeps delivering when the consumer throws or rejects, and counts it', async () => {
    const server = await startApiServer({ seed: smallSeed() });
    const delivered: number[] = [];
    const watching = startWatching({
      client: createKubeClient({ masterUrl: server.url }),
      nodeName: NODE_NAME,
      coalesceMs: 5,
      timing: FAST_TIMING,
      onSnapshot: async (snapshot) => {
        delivered.push(snapshot.generation);
        if (snapshot.generation === 1) throw new Error('consumer bug');
        if (snapshot.generation === 2) await Promise.reject(new Error('async consumer bug'));
      },
    });
    try {
      await waitUntil(() => delivered.length === 1);
      await server.create(makeClusterIPService('ns', 'second'));
      await waitUntil(() => delivered.length === 2);
      await server.create(makeClusterIPService('ns', 'third'));
      await waitUntil(() => delivered.length === 3);
      expect(delivered).toEqual([1, 2, 3]);
      expect(watching.stats().consumerErrors).toBe(2);
    } finally {
      await watching.stop();
      await server.stop();
    }
  });

  it('offers the snapshots as an async iterable that ends on stop()', async () => {
    const server = await startApiServer({ seed: smallSeed() });
    const watching = startWatching({ client: createKubeClient({ masterUrl: server.url }), nodeName: NODE_NAME, coalesceMs: 5, timing: FAST_TIMING });
    try {
      const generations: number[] = [];
      for await (const snapshot of watching.snapshots) {
        generations.push(snapshot.generation);
        if (snapshot.generation === 1) {
          expect(snapshot.services).toHaveLength(2);
          await server.create(makeClusterIPService('ns', 'more'));
        } else {
          expect(snapshot.services).toHaveLength(3);
          void watching.stop();
        }
      }
      expect(generations).toEqual([1, 2]);
    } finally {
      await watching.stop();
      await server.stop();
    }
  });
});
