import { describe, expect, it } from 'vitest';
import type { RawObject } from '../model/inputs.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { makeEndpointSlice, makeService } from '../../../../test/helpers/k8s-builders.ts';
import { createObjectChangeCounter } from './object-changes.ts';

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

describe('createObjectChangeCounter', () => {
  it('counts every object of the first snapshot as added', () => {
    expect(createObjectChangeCounter().count(snapshot([web, db], [webSlice]))).toEqual({ services: 2, endpoints: 1 });
  });

  it('counts an added, a modified and a deleted object once each, and the unchanged ones not at all', () => {
    const counter = createObjectChangeCounter();
    counter.count(snapshot([web, db], [webSlice]));
    expect(counter.count(snapshot([web, versioned(db, '9')], [dbSlice]))).toEqual({ services: 1, endpoints: 2 });
    expect(counter.count(snapshot([web, versioned(db, '9')], [dbSlice]))).toEqual({ services: 0, endpoints: 0 });
  });

  it('does not count objects listed again at the same resourceVersion (a relist hands new objects)', () => {
    const counter = createObjectChangeCounter();
    counter.count(snapshot([web, db], [webSlice, dbSlice]));
    expect(counter.count(snapshot([structuredClone(web), structuredClone(db)], [structuredClone(webSlice), dbSlice]))).toEqual({ services: 0, endpoints: 0 });
  });

  it('reads nothing of the objects that are still the same between snapshots', () => {
    let reads = 0;
    const watched = (object: RawObject): RawObject => {
      const metadata = object['metadata'];
      return Object.defineProperty({ ...object }, 'metadata', { enumerable: true, get: () => ((reads += 1), metadata) });
    };
    const services = Array.from({ length: 100 }, (_, index) => watched(versioned(makeService('ns', `svc-${index}`), String(index))));
    const counter = createObjectChangeCounter();
    counter.count(snapshot(services, []));
    reads = 0;
    const changed = [...services];
    changed[7] = versioned(makeService('ns', 'svc-7'), '1000');
    expect(counter.count(snapshot(changed, []))).toEqual({ services: 1, endpoints: 0 });
    expect(reads).toBeLessThanOrEqual(2); // the old svc-7's key and version, nothing of the 99 others
  });
});
