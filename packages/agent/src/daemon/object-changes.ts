// How many Services and EndpointSlices changed between two snapshots (added, modified or
// deleted), for kube-proxy's *_changes_total and *_changes_pending metrics. Snapshots hold
// whole object lists, and the watch caches hand the same object again while it is unchanged,
// so only the objects that are not in both lists are looked at: a change is an object whose
// resourceVersion differs, or that is in one list only. What is kept between snapshots is
// the snapshot's own lists, nothing per object (no versions map rebuilt for every snapshot).
import type { RawObject } from '../model/inputs.ts';
import type { Snapshot } from '../watch/snapshot.ts';

export interface ObjectVersions {
  readonly services: readonly RawObject[];
  readonly endpointSlices: readonly RawObject[];
}

export interface ObjectChangeCount {
  readonly services: number;
  readonly endpoints: number;
}

function metadataOf(object: RawObject): Record<string, unknown> {
  const metadata = object['metadata'];
  return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
}

const keyOf = (object: RawObject): string => {
  const metadata = metadataOf(object);
  return `${String(metadata['namespace'])}/${String(metadata['name'])}`;
};

const versionOf = (object: RawObject): string => String(metadataOf(object)['resourceVersion']);

function countDifferences(before: readonly RawObject[], after: readonly RawObject[]): number {
  const previous = new Set(before);
  const kept = new Set<RawObject>();
  /** Objects new in `after` (added, modified, or the same version listed again), by key. */
  const arrived = new Map<string, string>();
  for (const object of after) {
    if (previous.has(object)) kept.add(object);
    else arrived.set(keyOf(object), versionOf(object));
  }
  let count = 0;
  for (const object of before) {
    if (kept.has(object)) continue;
    const key = keyOf(object);
    if (!arrived.has(key)) {
      count += 1; // deleted
      continue;
    }
    if (arrived.get(key) !== versionOf(object)) count += 1; // modified
    arrived.delete(key);
  }
  return count + arrived.size; // plus the added ones
}

export function objectVersions(snapshot: Snapshot): ObjectVersions {
  return { services: snapshot.services, endpointSlices: snapshot.endpointSlices };
}

export function countObjectChanges(before: ObjectVersions, after: ObjectVersions): ObjectChangeCount {
  return { services: countDifferences(before.services, after.services), endpoints: countDifferences(before.endpointSlices, after.endpointSlices) };
}

export const NO_OBJECTS: ObjectVersions = { services: [], endpointSlices: [] };
