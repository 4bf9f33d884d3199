// Accumulates changes between snapshots, as upstream's ServiceChangeTracker and
// EndpointsChangeTracker do, but keeping only what the snapshot needs: which services
// changed and when the oldest of their pending changes began (the start of kube-proxy's
// network-programming latency). As upstream's EndpointsChangeTracker, an EndpointSlice's
// change begins at its `endpoints.kubernetes.io/last-change-trigger-time` annotation (set by
// the EndpointSlice controller when the pod or service changed), unless it predates the
// tracker (a change made before kpx started is not kpx's latency) or the slice was deleted
// (the annotation then dates the previous update); otherwise, and for Services, at kpx's own
// receive time. Objects themselves live in the caches, so N events on one service cost one
// entry here. Pure: time is passed in.
import type { RawObject } from '../model/inputs.ts';
import type { ObjectChange } from './object-cache.ts';
import { LABEL_SERVICE_NAME } from './selectors.ts';
import { isRecord } from '../model/field-reader.ts';

export interface PendingChanges {
  readonly pendingSince: ReadonlyMap<string, number>;
  readonly generation: number;
}

export interface ChangeTracker {
  /** Something is waiting to be handed over. */
  readonly isDirty: boolean;
  serviceChanged(change: ObjectChange, nowMs: number): void;
  endpointSliceChanged(change: ObjectChange, nowMs: number): void;
  /** A change that belongs to no service (the Node). */
  otherChanged(): void;
  /** Hands over everything pending and starts a new generation. */
  take(): PendingChanges;
}

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

// Go's time.RFC3339Nano as time.Parse reads it: a 'T', optional fraction, Z or ±hh:mm.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The slice's last-change-trigger-time in ms since the epoch; undefined when absent or unreadable (upstream logs and ignores it). */
export function lastChangeTriggerTimeMs(slice: RawObject | undefined): number | undefined {
  const metadata = slice?.['metadata'];
  const annotations = isRecord(metadata) ? metadata['annotations'] : undefined;
  const value = isRecord(annotations) ? annotations[LAST_CHANGE_TRIGGER_TIME] : undefined;
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `startMs`: when the tracker started (trigger times before it are not counted). */
export function createChangeTracker(startMs = Number.NEGATIVE_INFINITY): ChangeTracker {
  let pendingSince = new Map<string, number>();
  let isOtherDirty = false;
  let generation = 0;
  const mark = (serviceKey: string | undefined, sinceMs: number): void => {
    if (serviceKey === undefined) return;
    const known = pendingSince.get(serviceKey);
    if (known === undefined || sinceMs < known) pendingSince.set(serviceKey, sinceMs);
  };
  return {
    get isDirty() {
      return isOtherDirty || pendingSince.size > 0;
    },
    serviceChanged(change, nowMs) {
      mark(change.key, nowMs);
    },
    endpointSliceChanged(change, nowMs) {
      const triggeredMs = change.current === undefined ? undefined : lastChangeTriggerTimeMs(change.current);
      const sinceMs = triggeredMs !== undefined && triggeredMs > startMs ? triggeredMs : nowMs;
      // A slice relabelled to another service changes both.
      mark(owningServiceKey(change.previous), sinceMs);
      mark(owningServiceKey(change.current), sinceMs);
    },
    otherChanged() {
      isOtherDirty = true;
    },
    take() {
      generation += 1;
      const taken = { pendingSince, generation };
      pendingSince = new Map();
      isOtherDirty = false;
      return taken;
    },
  };
}

/** `namespace/service` of an EndpointSlice, from its kubernetes.io/service-name label. */
export function owningServiceKey(slice: RawObject | undefined): string | undefined {
  const metadata = slice?.['metadata'];
  if (!isRecord(metadata)) return undefined;
  const labels = metadata['labels'];
  const serviceName = isRecord(labels) ? labels[LABEL_SERVICE_NAME] : undefined;
  const namespace = metadata['namespace'];
  if (typeof serviceName !== 'string' || serviceName === '' || typeof namespace !== 'string') return undefined;
  return `${namespace}/${serviceName}`;
}
