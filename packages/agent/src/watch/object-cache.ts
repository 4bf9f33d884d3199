// The objects of one watched resource, keyed as client-go's MetaNamespaceKeyFunc does
// (`namespace/name`, or `name` for cluster-scoped objects). Objects are kept exactly as
// the server sent them and must be treated as read-only.
import type { RawObject } from '../model/inputs.ts';
import { isRecord } from './watch-decoder.ts';

export interface ObjectChange {
  readonly key: string;
  /** Undefined when the object is new. */
  readonly previous: RawObject | undefined;
  /** Undefined when the object went away. */
  readonly current: RawObject | undefined;
}

export interface ObjectCache {
  readonly size: number;
  values(): RawObject[];
  get(key: string): RawObject | undefined;
  /** Applies one watch event; undefined when the object has no usable name. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: RawObject): ObjectChange | undefined;
  /** Swaps in a complete list in one step; returns what differs (by resourceVersion). */
  replace(objects: ReadonlyMap<string, RawObject>): ObjectChange[];
}

export function objectKey(object: RawObject): string | undefined {
  const metadata = object['metadata'];
  if (!isRecord(metadata)) return undefined;
  const { name, namespace } = metadata;
  if (typeof name !== 'string' || name === '') return undefined;
  if (namespace === undefined || namespace === '') return name;
  return typeof namespace === 'string' ? `${namespace}/${name}` : undefined;
}

export function resourceVersionOf(object: RawObject): string | undefined {
  const metadata = object['metadata'];
  const version = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
  return typeof version === 'string' ? version : undefined;
}

export function createObjectCache(): ObjectCache {
  let objects = new Map<string, RawObject>();
  return {
    get size() {
      return objects.size;
    },
    values: () => Array.from(objects.values()),
    get: (key) => objects.get(key),
    apply(type, object) {
      const key = objectKey(object);
      if (key === undefined) return undefined;
      const previous = objects.get(key);
      if (type === 'DELETED') {
        objects.delete(key);
        return { key, previous, current: undefined };
      }
      objects.set(key, object);
      return { key, previous, current: object };
    },
    replace(next) {
      const changes: ObjectChange[] = [];
      for (const [key, current] of next) {
        const previous = objects.get(key);
        if (previous === undefined || resourceVersionOf(previous) !== resourceVersionOf(current)) {
          changes.push({ key, previous, current });
        }
      }
      for (const [key, previous] of objects) {
        if (!next.has(key)) changes.push({ key, previous, current: undefined });
      }
      objects = new Map(next);
      return changes;
    },
  };
}
