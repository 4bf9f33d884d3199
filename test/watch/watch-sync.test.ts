// The watch layer against the embedded API server: initial sync, every kind of change,
// kube-proxy's selectors, and a 10k/10k list paged in.
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceLabelSelector } from '@kpx/agent/watch/selectors.ts';
import { NODE_NAME, contentOf, delay, serverContent, startHarness, type Harness, type Observation } from './harness.ts';
import { makeAddressedNode, makeClusterIPService, makeReadySlice } from '../helpers/k8s-builders.ts';

const DEFAULT_SELECTOR = serviceLabelSelector('');
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The first snapshot came only after both Services and EndpointSlices had listed. */
function expectGatedBySync(observations: readonly Observation[]): void {
  const first = observations.findIndex((o) => o.kind === 'snapshot');
  const listedBefore = new Set(observations.slice(0, first).flatMap((o) => (o.kind === 'event' && o.event.type === 'listed' ? [o.event.resource] : [])));
  expect(first).toBeGreaterThan(0);
  expect(listedBefore.has('services') && listedBefore.has('endpointslices')).toBe(true);
}

const ignoredObjects = [
  makeClusterIPService('ns', 'headless', { labels: { 'service.kubernetes.io/headless': '' } }),
  makeClusterIPService('ns', 'other-proxy', { labels: { 'service.kubernetes.io/service-proxy-name': 'other' } }),
  makeClusterIPService('ns', 'kpx-only', { labels: { 'service.kubernetes.io/service-proxy-name': 'kpx' } }),
  makeReadySlice('ns', 'headless-1', 'headless', { labels: { 'service.kubernetes.io/headless': '' } }),
  makeReadySlice('ns', 'other-proxy-1', 'other-proxy', { labels: { 'service.kubernetes.io/service-proxy-name': 'other' } }),
  makeReadySlice('ns', 'kpx-only-1', 'kpx-only', { labels: { 'service.kubernetes.io/service-proxy-name': 'kpx' } }),
];

describe('watch layer: sync and changes', () => {
  it('emits one exact snapshot after the initial sync, with every selected object and this node', async () => {
    harness = await startHarness({
      seed: [
        makeClusterIPService('ns', 'web'),
        makeClusterIPService('kube-system', 'dns'),
        makeReadySlice('ns', 'web-1', 'web'),
        makeAddressedNode(NODE_NAME),
        makeAddressedNode('node-b'),
        ...ignoredObjects,
      ],
    });
    const first = await harness.waitForSnapshot(() => true);
    const expected = await serverContent(harness.server, DEFAULT_SELECTOR);

    expect(Object.keys(expected.services).sort()).toEqual(['kube-system/dns', 'ns/web']);
    expect(Object.keys(expected.endpointSlices)).toEqual(['ns/web-1']);
    expect(contentOf(first)).toEqual(expected);
    expect(first.generation).toBe(1);
    expect([...first.pendingSince.keys()].sort()).toEqual(['kube-system/dns', 'ns/web']);
    expectGatedBySync(harness.observations);
    expect(harness.watching.stats()).toMatchObject({ isSynced: true, generation: 1, services: 2, endpointSlices: 1, hasNode: true });
  });

  it('emits a first snapshot for an empty cluster', async () => {
    harness = await startHarness();
    const first = await harness.waitForSnapshot(() => true);
    expect(contentOf(first)).toEqual({ services: {}, endpointSlices: {}, node: undefined });
    expect(first.generation).toBe(1);
    expect(first.pendingSince.size).toBe(0);
  });

  it('reflects add, update and delete of each kind, and records which services changed', async () => {
    harness = await startHarness({ seed: [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web')] });
    const h = harness;
    await h.waitForSnapshot(() => true);
    const steps: { change: () => Promise<unknown>; pending: string[] }[] = [
      { change: () => h.server.create(makeClusterIPService('ns', 'api')), pending: ['ns/api'] },
      { change: () => h.server.create(makeReadySlice('ns', 'api-1', 'api', { addresses: ['10.244.1.1', '10.244.1.2'] })), pending: ['ns/api'] },
      { change: () => h.server.create(makeAddressedNode(NODE_NAME)), pending: [] },
      { change: () => h.server.update(makeClusterIPService('ns', 'web', { port: 8081 })), pending: ['ns/web'] },
      { change: () => h.server.update(makeReadySlice('ns', 'web-1', 'web', { addresses: ['10.244.0.9'] })), pending: ['ns/web'] },
      { change: () => h.server.update(makeAddressedNode(NODE_NAME, '192.168.0.99')), pending: [] },
      { change: () => h.server.remove('EndpointSlice', 'ns', 'api-1'), pending: ['ns/api'] },
      { change: () => h.server.remove('Service', 'ns', 'web'), pending: ['ns/web'] },
      { change: () => h.server.remove('Node', '', NODE_NAME), pending: [] },
    ];
    for (const step of steps) {
      const from = h.snapshots.length;
      await step.change();
      const expected = await serverContent(h.server, DEFAULT_SELECTOR);
      const reached = await h.waitForSnapshot((s) => isDeepStrictEqual(contentOf(s), expected), { from });
      expect(contentOf(reached)).toEqual(expected);
      expect([...reached.pendingSince.keys()]).toEqual(step.pending);
    }
    const last = h.snapshots.at(-1);
    expect(last === undefined ? undefined : contentOf(last)).toEqual({
      services: { 'ns/api': expect.objectContaining({ kind: 'Service' }) },
      endpointSlices: { 'ns/web-1': expect.objectContaining({ endpoints: [expect.objectContaining({ addresses: ['10.244.0.9'] })] }) },
      node: undefined,
    });
  });

  it('coalesces a burst into one snapshot whose pendingSince keeps the oldest arrival per service', async () => {
    harness = await startHarness({ seed: [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web')] }, { coalesceMs: 1_000 });
    const first = await harness.waitForSnapshot(() => true);
    const from = harness.snapshots.length;
    const before = Date.now();
    let lastIssued = 0;
    for (let i = 1; i <= 10; i += 1) {
      if (i === 10) lastIssued = Date.now();
      await harness.server.update(makeReadySlice('ns', 'web-1', 'web', { addresses: [`10.244.0.${i}`] }));
      await delay(20);
    }
    const reached = await harness.waitForSnapshot((s) => JSON.stringify(s.endpointSlices).includes('"10.244.0.10"'), { from });
    expect(harness.snapshots.length - from).toBe(1);
    expect(reached.generation).toBe(first.generation + 1);
    expect([...reached.pendingSince.keys()]).toEqual(['ns/web']);
    const since = reached.pendingSince.get('ns/web') ?? 0;
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThan(lastIssued);
  });

  it('filters headless and other-proxy objects, and drops an object relabelled out of the selector', async () => {
    harness = await startHarness({ seed: [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web'), ...ignoredObjects] });
    const first = await harness.waitForSnapshot(() => true);
    expect(Object.keys(contentOf(first).services)).toEqual(['ns/web']);
    expect(Object.keys(contentOf(first).endpointSlices)).toEqual(['ns/web-1']);

    const from = harness.snapshots.length;
    await harness.server.update(makeClusterIPService('ns', 'web', { labels: { 'service.kubernetes.io/service-proxy-name': 'other' } }));
    await harness.server.create(makeClusterIPService('ns', 'later-headless', { labels: { 'service.kubernetes.io/headless': '' } }));
    await harness.server.create(makeClusterIPService('ns', 'visible'));
    const reached = await harness.waitForSnapshot((s) => Object.keys(contentOf(s).services).join() === 'ns/visible', { from });
    expect(contentOf(reached)).toEqual(await serverContent(harness.server, DEFAULT_SELECTOR));
  });

  it('serves only the objects of its --service-proxy-name when one is given', async () => {
    harness = await startHarness(
      { seed: [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web'), ...ignoredObjects] },
      { serviceProxyName: 'kpx' },
    );
    const first = await harness.waitForSnapshot(() => true);
    expect(contentOf(first)).toEqual(await serverContent(harness.server, serviceLabelSelector('kpx')));
    expect(Object.keys(contentOf(first).services)).toEqual(['ns/kpx-only']);
    expect(Object.keys(contentOf(first).endpointSlices)).toEqual(['ns/kpx-only-1']);
  });

  it('pages in 10,000 Services and 10,000 EndpointSlices and emits them in one snapshot', async () => {
    const seed = Array.from({ length: 10_000 }, (_, i) => [
      makeClusterIPService(`ns-${i % 50}`, `svc-${i}`, { clusterIP: `10.96.${Math.floor(i / 250)}.${i % 250}` }),
      makeReadySlice(`ns-${i % 50}`, `svc-${i}-1`, `svc-${i}`, { addresses: [`10.244.${Math.floor(i / 250)}.${i % 250}`] }),
    ]).flat();
    harness = await startHarness({ seed }, { timing: { pageSize: 500 } });
    const first = await harness.waitForSnapshot(() => true, { timeoutMs: 60_000 });
    expect(first.services).toHaveLength(10_000);
    expect(first.endpointSlices).toHaveLength(10_000);
    expect(contentOf(first)).toEqual(await serverContent(harness.server, DEFAULT_SELECTOR));
    expect(harness.snapshots.every((s) => s.services.length === 10_000 && s.endpointSlices.length === 10_000)).toBe(true);
    expectGatedBySync(harness.observations);
  }, 120_000);
});
