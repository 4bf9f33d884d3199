// An API server outage through the real client: the loops are paced as one, so a Service and
// its EndpointSlice created while the server was down arrive together soon after it returns,
// and the loops sent no more requests meanwhile than each backing off on its own would have.
// The schedule is the default one at a quarter of its durations (a 5 s outage for 20 s).
import { afterEach, describe, expect, it } from 'vitest';
import { objectKey } from '@kpx/agent/watch/object-cache.ts';
import { createBackoff, DEFAULT_BACKOFF } from '@kpx/agent/watch/backoff.ts';
import { DEFAULT_OUTAGE_PROBE_MS } from '@kpx/agent/watch/outage-pacer.ts';
import { NODE_NAME, delay, startHarness, type Harness } from './harness.ts';
import { makeAddressedNode, makeClusterIPService, makeReadySlice } from '../helpers/k8s-builders.ts';

const SCALE = 4;
const OUTAGE_MS = 20_000 / SCALE;
const BACKOFF = { ...DEFAULT_BACKOFF, initialMs: DEFAULT_BACKOFF.initialMs / SCALE, maxMs: DEFAULT_BACKOFF.maxMs / SCALE };
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The fewest requests three loops backing off on their own send in `ms`: one each at once, then one per jitter-free delay. */
function fewestIndependentRequests(ms: number): number {
  const backoff = createBackoff({ ...BACKOFF, jitter: 0 }, () => 0);
  let requests = 1;
  for (let at = backoff.next(); at <= ms; at += backoff.next()) requests += 1;
  return 3 * requests;
}

describe('watch layer: an API server outage', () => {
  it('brings every watch back together soon after the server returns, within the requests of independent backoffs', async () => {
    harness = await startHarness(
      { seed: [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web'), makeAddressedNode(NODE_NAME)] },
      { timing: { backoff: BACKOFF, healthyWatchMs: 5_000 / SCALE, outageProbeMs: DEFAULT_OUTAGE_PROBE_MS / SCALE } },
    );
    const h = harness;
    await h.waitForSnapshot(() => true);
    await h.server.stop();
    const requestsBefore = h.requests.count;
    await h.server.create(makeClusterIPService('ns', 'new'));
    await h.server.create(makeReadySlice('ns', 'new-1', 'new'));
    await delay(OUTAGE_MS);
    const requestsDuring = h.requests.count - requestsBefore;
    const from = h.snapshots.length;
    await h.server.restart();
    const restartedAt = Date.now();

    const arrived = await h.waitForSnapshot(
      (s) => s.services.some((o) => objectKey(o) === 'ns/new') && s.endpointSlices.some((o) => objectKey(o) === 'ns/new-1'),
      { from },
    );
    // 2 s for the real schedule, scaled like it.
    expect(Date.now() - restartedAt).toBeLessThan(2_000 / SCALE);
    expect(arrived.services.map((o) => objectKey(o)).sort()).toEqual(['ns/new', 'ns/web']);
    expect(requestsDuring).toBeGreaterThan(3);
    expect(requestsDuring).toBeLessThanOrEqual(fewestIndependentRequests(OUTAGE_MS));
  });
});
