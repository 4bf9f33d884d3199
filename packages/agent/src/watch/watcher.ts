// The watch layer's entry point: Services, EndpointSlices and the own Node, each in its
// own list/watch loop (list-watch.ts), paced as one through an API server outage
// (outage-pacer.ts), feeding caches and a change tracker. Snapshots come
// out once Services and EndpointSlices have both listed (kube-proxy's "synced" gate), one
// per burst of changes (snapshot-stream.ts). The gate also waits for the Node's first list,
// up to `nodeWaitMs`, as kube-proxy waits for its Node at startup, so the first snapshot
// normally carries the node context. Each loop swaps a relist into its cache in one
// synchronous step and a snapshot is built synchronously, so no snapshot ever sees a
// half-applied relist.
import { KpxError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { DEFAULT_BACKOFF, type Rng } from './backoff.ts';
import { createChangeTracker } from './change-tracker.ts';
import type { KubeClient } from './kube-client.ts';
import { runListWatch } from './list-watch.ts';
import type { ListWatchEvent, ListWatchEventType, ListWatchSink, ListWatchTiming, ResourceName } from './list-watch-types.ts';
import { createOutagePacer, DEFAULT_OUTAGE_PROBE_MS } from './outage-pacer.ts';
import { createObjectCache, type ObjectCache, type ObjectChange } from './object-cache.ts';
import { isValidLabelValue } from './selectors.ts';
import type { Snapshot } from './snapshot.ts';
import { createSnapshotStream, deliverSnapshots } from './snapshot-stream.ts';
import { realWatchClock, type WatchClock } from './watch-clock.ts';
import { watchedResources } from './watched-resources.ts';

export interface WatchOptions {
  readonly client: KubeClient;
  /** This node's name (--hostname-override or the hostname): which Node object to watch. */
  readonly nodeName: string;
  /** --service-proxy-name; '' or absent serves what kube-proxy serves. */
  readonly serviceProxyName?: string;
  readonly clock?: WatchClock;
  readonly rng?: Rng;
  readonly log?: Logger;
  /** How long a burst may keep arriving before its snapshot is handed over. */
  readonly coalesceMs?: number;
  /** How long the first snapshot waits for the Node's first list once the rest is synced. */
  readonly nodeWaitMs?: number;
  readonly timing?: Partial<ListWatchTiming>;
  /** Every list/watch occurrence (for metrics); a throw here is logged and ignored. */
  readonly onEvent?: (event: ListWatchEvent) => void;
  /** Receives each snapshot; without it, iterate `snapshots` (one consumer). A throw or rejection is logged and counted. */
  readonly onSnapshot?: (snapshot: Snapshot) => void | Promise<void>;
}

export type EventCounters = Readonly<Record<ResourceName, Readonly<Record<ListWatchEventType, number>>>>;

export interface WatchStats {
  readonly isSynced: boolean;
  /** Generation of the last snapshot handed over (0: none yet). */
  readonly generation: number;
  readonly services: number;
  readonly endpointSlices: number;
  readonly hasNode: boolean;
  readonly events: EventCounters;
  readonly consumerErrors: number;
}

export interface Watching {
  readonly snapshots: AsyncIterable<Snapshot>;
  stats(): WatchStats;
  /** Ends every loop, pending reconnect and socket; the snapshot stream then ends. */
  stop(): Promise<void>;
}

export const DEFAULT_TIMING: ListWatchTiming = {
  pageSize: 500,
  watchTimeoutSeconds: 300,
  stallTimeoutMs: 120_000,
  requestTimeoutMs: 60_000,
  healthyWatchMs: 5_000,
  backoff: DEFAULT_BACKOFF,
};
export const DEFAULT_COALESCE_MS = 10;
export const DEFAULT_NODE_WAIT_MS = 10_000;

const EVENT_TYPES: readonly ListWatchEventType[] = [
  'listed',
  'list-failed',
  'relist',
  'watch-opened',
  'watch-closed',
  'watch-failed',
  'watch-stalled',
  'decode-error',
  'error-event',
];

// eslint-disable-next-line max-lines-per-function -- the three resources' caches and the synced gate are shared by its small handlers.
export function startWatching(options: WatchOptions): Watching {
  const serviceProxyName = options.serviceProxyName ?? '';
  if (!isValidLabelValue(serviceProxyName)) throw new KpxError('KPX_ERR_CONFIG', 'invalid --service-proxy-name', { context: { serviceProxyName } });
  if (options.nodeName === '') throw new KpxError('KPX_ERR_CONFIG', 'the node name is empty');
  const clock = options.clock ?? realWatchClock;
  const log = (options.log ?? silentLogger()).child({ module: 'watch' });
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const stopping = new AbortController();
  const tracker = createChangeTracker(clock.now());
  // The first snapshot goes out even when the cluster is empty: the proxy must sync once.
  tracker.otherChanged();
  const caches = { services: createObjectCache(), endpointslices: createObjectCache(), node: createObjectCache() };
  const listed = { services: false, endpointslices: false, node: false };
  const counters = makeCounters();
  let generation = 0;
  let consumerErrors = 0;
  let hasWaitedForNode = false;
  const isSynced = (): boolean => listed.services && listed.endpointslices;

  const stream = createSnapshotStream(
    {
      isReady: () => isSynced() && (listed.node || hasWaitedForNode),
      isDirty: () => tracker.isDirty,
      take: () => {
        const pending = tracker.take();
        generation = pending.generation;
        return {
          services: caches.services.values(),
          endpointSlices: caches.endpointslices.values(),
          node: caches.node.get(options.nodeName),
          pendingSince: pending.pendingSince,
          generation: pending.generation,
        };
      },
    },
    clock,
    options.coalesceMs ?? DEFAULT_COALESCE_MS,
  );
  const cancelNodeWait = clock.setTimer(() => {
    hasWaitedForNode = true;
    stream.notify();
  }, options.nodeWaitMs ?? DEFAULT_NODE_WAIT_MS);

  const onEvent = (event: ListWatchEvent): void => {
    counters[event.resource][event.type] += 1;
    try {
      options.onEvent?.(event);
    } catch (error) {
      log.error({ err: error }, 'onEvent hook threw');
    }
  };
  const sinks: Record<ResourceName, ListWatchSink> = {
    services: makeSink(
      caches.services,
      (change) => tracker.serviceChanged(change, clock.now()),
      () => (listed.services = true),
      stream.notify,
    ),
    endpointslices: makeSink(
      caches.endpointslices,
      (change) => tracker.endpointSliceChanged(change, clock.now()),
      () => (listed.endpointslices = true),
      stream.notify,
    ),
    node: makeSink(
      caches.node,
      () => tracker.otherChanged(),
      () => (listed.node = true),
      stream.notify,
    ),
  };
  const resources = Object.values(watchedResources(options.nodeName, serviceProxyName));
  const pacer = createOutagePacer({
    inner: options.client,
    clock,
    backoff: timing.backoff,
    probeIntervalMs: timing.outageProbeMs ?? DEFAULT_OUTAGE_PROBE_MS,
    loops: resources.length,
    stopping: stopping.signal,
  });
  const deps = { client: pacer.client, clock, rng: options.rng ?? Math.random, log, onEvent, pause: pacer.pause };
  const loops = resources.map((resource) => runListWatch(deps, resource, timing, sinks[resource.name], stopping.signal));
  if (options.onSnapshot !== undefined) {
    void deliverSnapshots(stream.snapshots, options.onSnapshot, (error, snapshot) => {
      consumerErrors += 1;
      log.error({ err: error, generation: snapshot.generation }, 'snapshot consumer threw');
    });
  }

  return {
    snapshots: stream.snapshots,
    stats: () => ({
      isSynced: isSynced(),
      generation,
      services: caches.services.size,
      endpointSlices: caches.endpointslices.size,
      hasNode: caches.node.get(options.nodeName) !== undefined,
      events: { services: { ...counters.services }, endpointslices: { ...counters.endpointslices }, node: { ...counters.node } },
      consumerErrors,
    }),
    async stop() {
      stopping.abort();
      cancelNodeWait();
      stream.close();
      await Promise.all(loops);
    },
  };
}

function makeSink(cache: ObjectCache, changed: (change: ObjectChange) => void, markListed: () => void, notify: () => void): ListWatchSink {
  return {
    replaced(objects) {
      for (const change of cache.replace(objects)) changed(change);
      markListed();
      notify();
    },
    applied(type, object) {
      const change = cache.apply(type, object);
      if (change !== undefined) changed(change);
      notify();
    },
  };
}

function makeCounters(): Record<ResourceName, Record<ListWatchEventType, number>> {
  const zeroes = (): Record<ListWatchEventType, number> => Object.fromEntries(EVENT_TYPES.map((type) => [type, 0])) as Record<ListWatchEventType, number>;
  return { services: zeroes(), endpointslices: zeroes(), node: zeroes() };
}
