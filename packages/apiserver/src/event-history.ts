// One resource's bounded event history: the window a watch can resume from. A watch from
// a resourceVersion older than `floor` must get 410 Gone, as from the real watch cache.
import assert from 'node:assert/strict';
import type { JsonObject } from './patch/json-value.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly type: WatchEventType;
  readonly resourceVersion: number;
  /** namespace/name, or name for cluster-scoped objects. */
  readonly key: string;
  /** The object after the change; for DELETED, the last state stamped with the deletion's version. */
  readonly object: JsonObject;
  /** The object before the change; undefined for ADDED. */
  readonly previous: JsonObject | undefined;
}

export class EventHistory {
  private events: StoredEvent[] = [];
  private start = 0;
  private floorVersion: number;
  private readonly limit: number;

  constructor(limit: number, floor: number) {
    assert.ok(limit >= 0, 'history limit must not be negative');
    this.limit = limit;
    this.floorVersion = floor;
  }

  /** Every change after this resourceVersion is still held. */
  get floor(): number {
    return this.floorVersion;
  }

  get size(): number {
    return this.events.length - this.start;
  }

  append(event: StoredEvent): void {
    this.events.push(event);
    while (this.size > this.limit) {
      const evicted = this.events[this.start] as StoredEvent;
      this.floorVersion = evicted.resourceVersion;
      this.start += 1;
    }
    if (this.start > 1024 && this.start * 2 > this.events.length) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }

  /** Drop everything: no version before `floor` can be resumed from. */
  forget(floor: number): void {
    this.events = [];
    this.start = 0;
    this.floorVersion = floor;
  }

  /** The events after `resourceVersion`, oldest first. The caller checks `floor` first. */
  since(resourceVersion: number): readonly StoredEvent[] {
    let low = this.start;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.events[middle] as StoredEvent).resourceVersion <= resourceVersion) low = middle + 1;
      else high = middle;
    }
    return this.events.slice(low);
  }
}
