// How many Services and EndpointSlices changed between two snapshots (added, modified or
// deleted), for kube-proxy's *_changes_total and *_changes_pending metrics. Snapshots hold
// whole object lists, and the watch caches hand the same object again while it is unchanged,
// so only the objects that are not in both lists are read: a change is an object whose
// resourceVersion differs, or that is in one list only. Nothing of the size of the lists is
// allocated per snapshot: at 10k objects such a map or set lands in V8's large-object space
// and, one per snapshot, grows the old generation until the next full GC.
import type { RawObject } from '../model/inputs.ts';
import type { Snapshot } from '../watch/snapshot.ts';

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

/**
 * Changes between the lists one resource had in consecutive snapshots. Each object is marked
 * with the last call that saw it (a WeakMap, so a dropped object takes its mark with it): an
 * object marked by the previous call is unchanged, and only the others are read.
 */
function createListDiffer(): (current: readonly RawObject[]) => number {
  const seenBy = new WeakMap<RawObject, number>();
  let call = 0;
  let previous: readonly RawObject[] = [];
  return (current) => {
    call += 1;
    /** Objects new in `current` (added, modified, or the same version listed again), by key. */
    const arrived = new Map<string, string>();
    for (const object of current) {
      if (seenBy.get(object) !== call - 1) arrived.set(keyOf(object), versionOf(object));
      seenBy.set(object, call);
    }
    let count = 0;
    for (const object of previous) {
      if (seenBy.get(object) === call) continue;
      const key = keyOf(object);
      if (!arrived.has(key)) {
        count += 1; // deleted
        continue;
      }
      if (arrived.get(key) !== versionOf(object)) count += 1; // modified
      arrived.delete(key);
    }
    previous = current;
    return count + arrived.size; // plus the added ones
  };
}

export interface ObjectChangeCounter {
  /** The changes since the snapshot passed to the previous call (all objects on the first). */
  count(snapshot: Snapshot): ObjectChangeCount;
}

export function createObjectChangeCounter(): ObjectChangeCounter {
  const services = createListDiffer();
  const endpointSlices = createListDiffer();
  return { count: (snapshot) => ({ services: services(snapshot.services), endpoints: endpointSlices(snapshot.endpointSlices) }) };
}
