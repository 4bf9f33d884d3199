// API change to traffic: a prober in a pod opens a connection to the `web` service every few
// ms; an endpoint is scaled away through the API, and the delay is the time from the change to
// the start of the last new connection that still reached it. Restored afterwards.
import { fileURLToPath } from 'node:url';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import type { ProcessGroup } from './lab-process.ts';
import type { LabPod } from './topology.ts';
import { endpointSlice, VIPS, WEB_PORTS } from './workload.ts';

const TRAFFIC_CLIENT = fileURLToPath(new URL('./agent/traffic-client.ts', import.meta.url));
/** Nothing reached the removed endpoint for this long: the change is complete. */
const QUIET_MS = 400;
/** The prober's per-connection timeout (traffic-client.ts). */
const CONNECTION_TIMEOUT_MS = 1_000;
/** At thousands of services a sync can take seconds; past this the change counts as not followed. */
export const API_CHANGE_WAIT_MS = 15_000;

interface Sample {
  readonly t: number;
  readonly pod?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The prober's samples, parsed once each as its lines arrive (the API server shares this event loop). */
function sampleReader(lines: readonly string[]): (since: number) => Sample[] {
  const samples: Sample[] = [];
  let parsed = 0;
  return (since) => {
    for (; parsed < lines.length; parsed++) {
      try {
        const sample = JSON.parse(lines[parsed] ?? '') as Sample;
        if (typeof sample.t === 'number') samples.push(sample);
      } catch {
        // not a sample
      }
    }
    // Lines arrive in completion order, not start order: look back one connection timeout more.
    let first = samples.length;
    while (first > 0 && (samples[first - 1]?.t ?? 0) >= since - CONNECTION_TIMEOUT_MS) first--;
    return samples.slice(first).filter((sample) => sample.t >= since);
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

/** One delay per removal, ms. */
export async function measureApiChanges(
  group: ProcessGroup,
  api: ApiServerHandle,
  pods: readonly LabPod[],
  fromNetns: string,
  removals: number,
  onRemoval: (index: number, total: number) => void,
): Promise<number[]> {
  const prober = group.start('api-change prober', fromNetns, process.execPath, [
    TRAFFIC_CLIENT,
    '--test',
    'watch',
    '--host',
    VIPS.web,
    '--port',
    '80',
    '--interval-ms',
    '5',
  ]);
  const delays: number[] = [];
  try {
    await prober.waitForLine((line) => line.includes('ready'), 10_000);
    const samplesSince = sampleReader(prober.lines);
    for (let index = 0; index < removals; index++) {
      const removed = pods[pods.length - 1 - (index % pods.length)];
      if (removed === undefined) break;
      onRemoval(index, removals);
      const kept = pods.filter((pod) => pod !== removed);
      const changedAt = Date.now();
      await api.update(endpointSlice('web', WEB_PORTS, kept));
      const settled = await waitUntil(() => {
        const after = samplesSince(changedAt);
        const last = Math.max(changedAt, ...after.filter((s) => s.pod === removed.name).map((s) => s.t));
        return Date.now() - last > QUIET_MS && after.some((s) => s.t > last && s.pod !== undefined);
      }, API_CHANGE_WAIT_MS);
      const reached = samplesSince(changedAt)
        .filter((s) => s.pod === removed.name)
        .map((s) => s.t);
      delays.push(settled ? Math.max(0, ...reached.map((t) => t - changedAt)) : Number.NaN);
      const restoredAt = Date.now();
      await api.update(endpointSlice('web', WEB_PORTS, pods));
      await waitUntil(() => samplesSince(restoredAt).some((s) => s.pod === removed.name), API_CHANGE_WAIT_MS);
    }
  } finally {
    await prober.stop();
  }
  return delays;
}
