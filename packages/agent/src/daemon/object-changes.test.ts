import { describe, expect, it } from 'vitest';
import type { RawObject } from '../model/inputs.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { makeEndpointSlice, makeService } from '../../../../test/helpers/k8s-builders.ts';
import { countObjectChanges, NO_OBJECTS, objectVersions } from './object-changes.ts';

function versioned(object: RawObject, resourceVersion: string): RawObject {
  return { ...object, metadata: { ...(object['metadata'] as object), resourceVersion } };
}

function snapshot(services: readonly RawObject[], endpointSlices: readonly RawObject[]): Snapshot {
  return { services, endpointSlices, node: undefined, pendingSince: new Map(), generation: 1 };
}

const web = versioned(makeService('ns', 'web'), '1');
const db = versioned(makeService('ns', 'db'), '2');
const webSlice = versioned(makeEndpointSlice('ns', 'web-abc', 'web'), '3');
const dbSlice = versioned(makeEndpointSlice('ns', 'db-abc', 'db'), '4');

describe('countObjectChanges', () => {
  it('counts every object of the first snapshot as added', () => {
    expect(countObjectChanges(NO_OBJECTS, objectVersions(snapshot([web, db], [webSlice])))).toEqual({ services: 2, endpoints: 1 });
  });

  it('counts an added, a modified and a deleted object once each, and the unchanged ones not at all', () => {
    const before = objectVersions(snapshot([web, db], [webSlice]));
    const after = objectVersions(snapshot([web, versioned(db, '9')], [dbSlice]));
    expect(countObjectChanges(before, after)).toEqual({ services: 1, endpoints: 2 });
  });

  it('does not count objects listed again at the same resourceVersion (a relist hands new objects)', () => {
    const before = objectVersions(snapshot([web, db], [webSlice, dbSlice]));
    const relisted = objectVersions(snapshot([structuredClone(web), structuredClone(db)], [structuredClone(webSlice), dbSlice]));
    expect(countObjectChanges(before, relisted)).toEqual({ services: 0, endpoints: 0 });
  });

  it('keeps the snapshot’s own lists, nothing built per object for every snapshot', () => {
    const taken = snapshot([web, db], [webSlice, dbSlice]);
    const versions = objectVersions(taken);
    expect(versions.services).toBe(taken.services);
    expect(versions.endpointSlices).toBe(taken.endpointSlices);
  });
});
