// The embedded API server with kpx's watch layer attached to it through the real client
// library, recording every snapshot and list/watch event, with short timings so fault
// tests take seconds.
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle, ApiServerOptions } from '@kpx/apiserver/types.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { createKubeClient } from '@kpx/agent/watch/kube-client.ts';
import type { ListWatchEvent } from '@kpx/agent/watch/list-watch-types.ts';
import { objectKey } from '@kpx/agent/watch/object-cache.ts';
import type { Snapshot } from '@kpx/agent/watch/snapshot.ts';
import { startWatching, type WatchOptions, type Watching } from '@kpx/agent/watch/watcher.ts';

export const NODE_NAME = 'node-a';

export const FAST_TIMING = {
  pageSize: 100,
  watchTimeoutSeconds: 60,
  stallTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  healthyWatchMs: 1_000,
  backoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 0.5 },
};

/** What the harness saw, in order: list/watch events and snapshots interleaved. */
export type Observation = { readonly kind: 'event'; readonly event: ListWatchEvent } | { readonly kind: 'snapshot'; readonly snapshot: Snapshot };

export interface Harness {
  readonly server: ApiServerHandle;
  readonly watching: Watching;
  readonly snapshots: Snapshot[];
  readonly observations: Observation[];
  /** Requests the watch layer has sent (each GET, refused ones included). */
  readonly requests: { count: number };
  /** Resolves with the first snapshot (from index `from` on) that satisfies `predicate`. */
  waitForSnapshot(predicate: (snapshot: Snapshot) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<Snapshot>;
  countEvents(type: ListWatchEvent['type'], resource?: ListWatchEvent['resource']): number;
  close(): Promise<void>;
}

export async function startHarness(
  serverOptions: ApiServerOptions = {},
  watchOptions: Partial<Omit<WatchOptions, 'client' | 'onSnapshot' | 'onEvent'>> = {},
): Promise<Harness> {
  const server = await startApiServer(serverOptions);
  const snapshots: Snapshot[] = [];
  const observations: Observation[] = [];
  const waiters = new Set<() => void>();
  const inner = createKubeClient({ masterUrl: server.url });
  const requests = { count: 0 };
  const watching = startWatching({
    client: { server: inner.server, get: (path, signal) => ((requests.count += 1), inner.get(path, signal)) },
    nodeName: NODE_NAME,
    coalesceMs: 5,
    ...watchOptions,
    timing: { ...FAST_TIMING, ...watchOptions.timing },
    onEvent: (event) => observations.push({ kind: 'event', event }),
    onSnapshot: (snapshot) => {
      snapshots.push(snapshot);
      observations.push({ kind: 'snapshot', snapshot });
      for (const waiter of waiters) waiter();
    },
  });
  return {
    server,
    watching,
    snapshots,
    observations,
    requests,
    waitForSnapshot(predicate, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = snapshots.slice(from).find(predicate);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching snapshot within ${timeoutMs} ms (${snapshots.length} seen)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    countEvents(type, resource) {
      return observations.filter((o) => o.kind === 'event' && o.event.type === type && (resource === undefined || o.event.resource === resource)).length;
    },
    async close() {
      await watching.stop();
      await server.stop();
    },
  };
}

/** Objects by `namespace/name`, for exact comparisons independent of order. */
export function byKey(objects: readonly RawObject[]): Record<string, RawObject> {
  return Object.fromEntries(objects.map((object) => [objectKey(object) ?? '?', object]));
}

/** The whole content of a snapshot, order-free. */
export function contentOf(snapshot: Snapshot): { services: Record<string, RawObject>; endpointSlices: Record<string, RawObject>; node: RawObject | undefined } {
  return { services: byKey(snapshot.services), endpointSlices: byKey(snapshot.endpointSlices), node: snapshot.node };
}

export function serviceKeys(snapshot: Snapshot): string[] {
  return snapshot.services.map((object) => objectKey(object) ?? '?').sort();
}

/** Every Service, EndpointSlice and the Node as the server holds them now, read with plain unpaged lists. */
export async function serverContent(
  server: ApiServerHandle,
  labelSelector: string,
): Promise<{ services: Record<string, RawObject>; endpointSlices: Record<string, RawObject>; node: RawObject | undefined }> {
  const list = async (path: string, apiVersion: string, kind: string): Promise<RawObject[]> => {
    const response = await fetch(`${server.url}${path}`);
    const body = (await response.json()) as { items: RawObject[] };
    return body.items.map((item) => ({ apiVersion, kind, ...item }));
  };
  const selector = `?labelSelector=${encodeURIComponent(labelSelector)}`;
  const nodes = await list(`/api/v1/nodes?fieldSelector=metadata.name%3D${NODE_NAME}`, 'v1', 'Node');
  return {
    services: byKey(await list(`/api/v1/services${selector}`, 'v1', 'Service')),
    endpointSlices: byKey(await list(`/apis/discovery.k8s.io/v1/endpointslices${selector}`, 'discovery.k8s.io/v1', 'EndpointSlice')),
    node: nodes[0],
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
