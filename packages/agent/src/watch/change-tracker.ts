// Accumulates changes between snapshots, as upstream's ServiceChangeTracker and
// EndpointsChangeTracker do, but keeping only what the snapshot needs: which services
// changed and when the oldest of their pending changes arrived (the start of
// kube-proxy's network-programming latency). Objects themselves live in the caches,
// so N events on one service cost one entry here. Pure: time is passed in.
import type { RawObject } from '../model/inputs.ts';
import type { ObjectChange } from './object-cache.ts';
import { LABEL_SERVICE_NAME } from './selectors.ts';
import { isRecord } from './watch-decoder.ts';

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

export function createChangeTracker(): ChangeTracker {
  let pendingSince = new Map<string, number>();
  let isOtherDirty = false;
  let generation = 0;
  const mark = (serviceKey: string | undefined, nowMs: number): void => {
    if (serviceKey !== undefined && !pendingSince.has(serviceKey)) pendingSince.set(serviceKey, nowMs);
  };
  return {
    get isDirty() {
      return isOtherDirty || pendingSince.size > 0;
    },
    serviceChanged(change, nowMs) {
      mark(change.key, nowMs);
    },
    endpointSliceChanged(change, nowMs) {
      // A slice relabelled to another service changes both.
      mark(owningServiceKey(change.previous), nowMs);
      mark(owningServiceKey(change.current), nowMs);
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
