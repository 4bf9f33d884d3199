// How many Services and EndpointSlices changed between two snapshots (added, modified or
// deleted), for kube-proxy's *_changes_total and *_changes_pending metrics. Snapshots hold
// whole object lists, so changes are found by comparing each object's resourceVersion.
import type { RawObject } from '../model/inputs.ts';
import type { Snapshot } from '../watch/snapshot.ts';

export interface ObjectVersions {
  readonly services: ReadonlyMap<string, string>;
  readonly endpointSlices: ReadonlyMap<string, string>;
}

export interface ObjectChangeCount {
  readonly services: number;
  readonly endpoints: number;
}

function metadataOf(object: RawObject): Record<string, unknown> {
  const metadata = object['metadata'];
  return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
}

function versionsOf(objects: readonly RawObject[]): Map<string, string> {
  const versions = new Map<string, string>();
  for (const object of objects) {
    const metadata = metadataOf(object);
    versions.set(`${String(metadata['namespace'])}/${String(metadata['name'])}`, String(metadata['resourceVersion']));
  }
  return versions;
}

function countDifferences(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): number {
  let count = 0;
  for (const [key, version] of after) if (before.get(key) !== version) count += 1;
  for (const key of before.keys()) if (!after.has(key)) count += 1;
  return count;
}

export function objectVersions(snapshot: Snapshot): ObjectVersions {
  return { services: versionsOf(snapshot.services), endpointSlices: versionsOf(snapshot.endpointSlices) };
}

export function countObjectChanges(before: ObjectVersions, after: ObjectVersions): ObjectChangeCount {
  return { services: countDifferences(before.services, after.services), endpoints: countDifferences(before.endpointSlices, after.endpointSlices) };
}

export const NO_OBJECTS: ObjectVersions = { services: new Map(), endpointSlices: new Map() };
