// ?watch=true: newline-delimited JSON events from a resourceVersion, replayed from the
// bounded history then live, with selectors applied as the watch cache applies them (an
// object leaving the selection is DELETED, one entering it ADDED), bookmarks, timeouts,
// 410 Gone for versions older than the history, and the watch faults.
import type { ServerResponse } from 'node:http';
import { bookmarkObject } from './bookmark.ts';
import type { StoredEvent } from './event-history.ts';
import { matchesScope, type ListScope } from './list.ts';
import type { ListOptions } from './list-options.ts';
import type { JsonObject } from './patch/json-value.ts';
import { resourceId, type ResourceInfo } from './resources.ts';
import { failure } from './status.ts';
import type { ObjectStore } from './store.ts';

export interface WatchSettings {
  readonly bookmarkIntervalMs: number;
  /** Used when the client gives no timeoutSeconds: upstream picks 30–60 minutes. */
  readonly defaultTimeoutMs: () => number;
}

type WireEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Stored objects are immutable, so each is serialized once however many watches send it. */
const serializedObjects = new WeakMap<JsonObject, string>();

function serialized(object: JsonObject): string {
  let text = serializedObjects.get(object);
  if (text === undefined) {
    text = JSON.stringify(object);
    serializedObjects.set(object, text);
  }
  return text;
}

/** One open watch response. */
export class Watcher {
  readonly response: ServerResponse;
  private readonly scope: ListScope;
  private readonly options: ListOptions;
  private readonly settings: WatchSettings;
  /** Events at or below this version were already covered. */
  private sentVersion: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private frozen = false;
  private closed = false;
  private readonly onClose: () => void;
  private readonly currentVersion: () => number;
  /** How ADDED/MODIFIED/DELETED objects go on the wire (as is, or as a one-row Table). */
  private readonly encode: (object: JsonObject) => JsonObject;

  constructor(
    response: ServerResponse,
    scope: ListScope,
    options: ListOptions,
    settings: WatchSettings,
    startVersion: number,
    hooks: { currentVersion: () => number; onClose: () => void; encode: (object: JsonObject) => JsonObject },
  ) {
    this.response = response;
    this.scope = scope;
    this.options = options;
    this.settings = settings;
    this.sentVersion = startVersion;
    this.onClose = hooks.onClose;
    this.currentVersion = hooks.currentVersion;
    this.encode = hooks.encode;
    response.on('close', () => this.dispose());
  }

  get info(): ResourceInfo {
    return this.scope.info;
  }

  start(): void {
    this.response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    this.response.flushHeaders();
    const timeoutMs =
      this.options.timeoutSeconds !== undefined && this.options.timeoutSeconds > 0 ? this.options.timeoutSeconds * 1000 : this.settings.defaultTimeoutMs();
    this.timers.push(setTimeout(() => this.end(), timeoutMs));
    if (this.options.allowWatchBookmarks) this.timers.push(setInterval(() => this.sendProgressBookmark(), this.settings.bookmarkIntervalMs));
  }

  /** Every change up to the store's version has been delivered, so the bookmark may carry it. */
  private sendProgressBookmark(): void {
    this.sentVersion = Math.max(this.sentVersion, this.currentVersion());
    this.sendBookmark(this.sentVersion, false);
  }

  write(type: WireEventType, object: JsonObject): void {
    if (this.closed || this.frozen) return;
    this.response.write(`{"type":"${type}","object":${serialized(object)}}\n`);
  }

  writeRaw(text: string): void {
    if (!this.closed && !this.frozen) this.response.write(text);
  }

  sendBookmark(resourceVersion: number, isInitialEventsEnd: boolean): void {
    this.write('BOOKMARK', bookmarkObject(this.scope.info, resourceVersion, isInitialEventsEnd));
  }

  /** A store change: filtered by scope, translated across the selection's edge. */
  deliver(event: StoredEvent): void {
    if (event.resourceVersion <= this.sentVersion) return;
    this.sentVersion = event.resourceVersion;
    const isIn = event.type !== 'DELETED' && matchesScope(this.scope, this.options, event.object);
    const wasIn = event.previous !== undefined && matchesScope(this.scope, this.options, event.previous);
    if (event.type === 'DELETED') {
      if (wasIn) this.write('DELETED', this.encode(event.object));
    } else if (isIn) {
      this.write(wasIn ? 'MODIFIED' : 'ADDED', this.encode(event.object));
    } else if (wasIn) {
      this.write('DELETED', this.encode(event.object));
    }
  }

  /** Sends the current state as ADDED events (resourceVersion ""/"0" and sendInitialEvents). */
  sendState(objects: Iterable<JsonObject>): void {
    for (const object of objects) if (matchesScope(this.scope, this.options, object)) this.write('ADDED', this.encode(object));
  }

  sendError(code: number, reason: string, message: string): void {
    this.write('ERROR', failure(code, reason, message) as unknown as JsonObject);
  }

  /** The stuck-connection fault: nothing more is written, the connection stays open. */
  freeze(): void {
    this.frozen = true;
  }

  end(): void {
    if (this.closed) return;
    this.response.end();
    this.dispose();
  }

  reset(): void {
    this.response.socket?.destroy();
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.onClose();
  }
}

/** Opens a watch on `response`; returns the watcher, already registered with the store. */
export function openWatch(
  store: ObjectStore,
  response: ServerResponse,
  scope: ListScope,
  options: ListOptions,
  settings: WatchSettings,
  register: (watcher: Watcher) => () => void,
  encode: (object: JsonObject) => JsonObject = (object) => object,
): Watcher {
  const current = store.resourceVersion;
  const fromVersion = options.resourceVersion === '' || options.resourceVersion === '0' ? current : Number(options.resourceVersion);
  let unregister = (): void => {};
  let unsubscribe = (): void => {};
  const watcher = new Watcher(response, scope, options, settings, fromVersion, {
    currentVersion: () => store.resourceVersion,
    encode,
    onClose: () => {
      unsubscribe();
      unregister();
    },
  });
  watcher.start();
  const floor = store.historyFloor(scope.info);
  if (fromVersion < floor) {
    watcher.sendError(410, 'Expired', `too old resource version: ${fromVersion} (${floor})`);
    watcher.end();
    return watcher;
  }
  const sendsState = options.sendInitialEvents ?? (options.resourceVersion === '' || options.resourceVersion === '0');
  if (sendsState) {
    const view = store.viewAt(scope.info, current);
    if (view !== 'expired') watcher.sendState(view.keys.map((k) => view.get(k)).filter((o): o is JsonObject => o !== undefined));
  } else {
    for (const event of store.eventsSince(scope.info, fromVersion)) watcher.deliver(event);
  }
  if (options.sendInitialEvents === true) watcher.sendBookmark(Math.max(current, fromVersion), true);
  const id = resourceId(scope.info);
  unsubscribe = store.subscribe((info, event) => {
    if (resourceId(info) === id) watcher.deliver(event);
  });
  unregister = register(watcher);
  return watcher;
}
