// The object store: every served resource's objects, one global resourceVersion counter
// (etcd's revision), a bounded event history per resource, and change listeners (watches).
import { EventHistory, type StoredEvent, type WatchEventType } from './event-history.ts';
import type { JsonObject } from './patch/json-value.ts';
import { RESOURCES, resourceId, type ResourceInfo } from './resources.ts';

export type StoreListener = (info: ResourceInfo, event: StoredEvent) => void;

export const DEFAULT_HISTORY_LIMIT = 10_000;

class ResourceTable {
  readonly objects = new Map<string, JsonObject>();
  readonly history: EventHistory;
  private sorted: string[] | undefined;

  constructor(historyLimit: number) {
    this.history = new EventHistory(historyLimit, 0);
  }

  /** Keys in etcd's byte order, cached until an object is added or removed. */
  sortedKeys(): readonly string[] {
    this.sorted ??= [...this.objects.keys()].sort(compareKeys);
    return this.sorted;
  }

  invalidateOrder(): void {
    this.sorted = undefined;
  }
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function objectKey(info: ResourceInfo, namespace: string, name: string): string {
  return info.namespaced ? `${namespace}/${name}` : name;
}

/** The state of one resource at some resourceVersion: objects by key plus their order. */
export interface ResourceView {
  readonly resourceVersion: number;
  readonly keys: readonly string[];
  get(key: string): JsonObject | undefined;
}

export class ObjectStore {
  private revision = 0;
  private readonly tables = new Map<string, ResourceTable>();
  private readonly listeners = new Set<StoreListener>();

  constructor(historyLimit: number = DEFAULT_HISTORY_LIMIT) {
    for (const info of RESOURCES) this.tables.set(resourceId(info), new ResourceTable(historyLimit));
  }

  get resourceVersion(): number {
    return this.revision;
  }

  private table(info: ResourceInfo): ResourceTable {
    const table = this.tables.get(resourceId(info));
    if (table === undefined) throw new Error(`unknown resource ${resourceId(info)}`);
    return table;
  }

  /** The current objects of one resource, in key order. */
  objects(info: ResourceInfo): JsonObject[] {
    const table = this.table(info);
    return table.sortedKeys().map((key) => table.objects.get(key) as JsonObject);
  }

  get(info: ResourceInfo, key: string): JsonObject | undefined {
    return this.table(info).objects.get(key);
  }

  /** Writes `next` (or deletes when undefined) under a new resourceVersion and tells the listeners; returns the stored object, which callers must not mutate. */
  commit(info: ResourceInfo, key: string, next: JsonObject | undefined): JsonObject {
    const table = this.table(info);
    const previous = table.objects.get(key);
    if (next === undefined && previous === undefined) throw new Error(`nothing to delete at ${key}`);
    this.revision += 1;
    const resourceVersion = String(this.revision);
    // A private copy: callers keep theirs, and stored objects are never mutated afterwards
    // (history, list views and the watch serialization cache rely on that).
    const stamped = stampVersion(next === undefined ? (previous as JsonObject) : structuredClone(next), resourceVersion);
    const type: WatchEventType = next === undefined ? 'DELETED' : previous === undefined ? 'ADDED' : 'MODIFIED';
    if (next === undefined) table.objects.delete(key);
    else table.objects.set(key, stamped);
    if (type !== 'MODIFIED') table.invalidateOrder();
    const event: StoredEvent = { type, resourceVersion: this.revision, key, object: stamped, previous };
    table.history.append(event);
    for (const listener of this.listeners) listener(info, event);
    return stamped;
  }

  /** The current state, or the state at an older resourceVersion rebuilt from the history. */
  viewAt(info: ResourceInfo, resourceVersion: number): ResourceView | 'expired' {
    const table = this.table(info);
    if (resourceVersion >= this.revision) {
      return { resourceVersion: this.revision, keys: table.sortedKeys(), get: (key) => table.objects.get(key) };
    }
    if (resourceVersion < table.history.floor) return 'expired';
    const later = table.history.since(resourceVersion);
    if (later.length === 0) return { resourceVersion, keys: table.sortedKeys(), get: (key) => table.objects.get(key) };
    const objects = new Map(table.objects);
    for (const event of [...later].reverse()) {
      if (event.previous === undefined) objects.delete(event.key);
      else objects.set(event.key, event.previous);
    }
    return { resourceVersion, keys: [...objects.keys()].sort(compareKeys), get: (key) => objects.get(key) };
  }

  resources(): readonly ResourceInfo[] {
    return RESOURCES;
  }

  historyFloor(info: ResourceInfo): number {
    return this.table(info).history.floor;
  }

  eventsSince(info: ResourceInfo, resourceVersion: number): readonly StoredEvent[] {
    return this.table(info).history.since(resourceVersion);
  }

  /** Forgets every resource's history: only the current resourceVersion can be resumed from. */
  forgetHistory(): void {
    for (const table of this.tables.values()) table.history.forget(this.revision);
  }

  /**
   * Advances the revision without a change to any served object (as the writes of Leases and
   * other kinds do in a real cluster), then forgets the history: every version a client holds
   * is now too old.
   */
  expireEveryVersion(): void {
    this.revision += 1;
    this.forgetHistory();
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function stampVersion(object: JsonObject, resourceVersion: string): JsonObject {
  const metadata = typeof object.metadata === 'object' && object.metadata !== null && !Array.isArray(object.metadata) ? object.metadata : {};
  return { ...object, metadata: { ...metadata, resourceVersion } };
}
