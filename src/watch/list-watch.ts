// One resource's list/watch loop: kpx's own, on the client library's KubeConfig (see
// kube-client.ts), instead of a supervised `makeInformer`.
//
// Why not supervise the informer (@kubernetes/client-node 2.0.1): making it safe would
// take a wrapper as large as this loop and still fight it. Any error other than 410 stops
// it for good; stop() and start() fire `error` with an AbortError, so restart-on-error
// undoes a stop; stop() during its reconnect backoff leaves the reconnect pending and a
// later start() can run two watches; a throwing handler becomes an unhandled rejection;
// start() resolves even when the list failed; the list is one unpaged call and does not
// get the label selector; there is no field selector, no bookmarks, no server-side
// timeout; and its Watch drops a line it cannot parse (losing that event) and aborts
// any watch quiet for 30 s. Here instead:
//   - list in pages (limit/continue) with the selectors into a fresh map, swapped into
//     the cache in one step when the last page arrives (never a half-applied relist);
//   - watch from the list's resourceVersion with allowWatchBookmarks and a randomized
//     timeoutSeconds, tracking the version of every event and bookmark;
//   - 410 (HTTP or ERROR event) → relist; any other failure, ERROR event, undecodable
//     line or a watch silent past the stall deadline → logged, counted, re-watched from
//     the last good version after a capped, jittered backoff;
//   - one AbortSignal ends everything: sleeps, requests and sockets; the loop never throws.
import type { Logger } from '../log.ts';
import type { RawObject } from '../model/inputs.ts';
import { isKpxError } from '../errors.ts';
import { isExpired, parseStatus, readJsonObject, responseError, statusToError } from './api-response.ts';
import { createBackoff, type BackoffOptions, type Rng } from './backoff.ts';
import type { KubeClient } from './kube-client.ts';
import { objectKey, resourceVersionOf } from './object-cache.ts';
import type { ResourceSelectors } from './selectors.ts';
import { sleep, type WatchClock } from './watch-clock.ts';
import { createWatchDecoder, isRecord, type DecodeFailure, type DecodedEvent } from './watch-decoder.ts';

export type ResourceName = 'services' | 'endpointslices' | 'node';

export interface ResourceDescriptor {
  readonly name: ResourceName;
  readonly apiVersion: string;
  readonly kind: string;
  /** The collection path, e.g. `/api/v1/services`. */
  readonly path: string;
  readonly selectors: ResourceSelectors;
}

export interface ListWatchTiming {
  /** `limit` of each list page. */
  readonly pageSize: number;
  /** Server-side watch timeout; each watch asks for a random value in [t, 2t) as client-go does. */
  readonly watchTimeoutSeconds: number;
  /** A watch that delivers no byte for this long is restarted. */
  readonly stallTimeoutMs: number;
  /** Deadline of each list page. */
  readonly requestTimeoutMs: number;
  /** A watch open this long (or that delivered anything) counts as healthy and resets the backoff. */
  readonly healthyWatchMs: number;
  readonly backoff: BackoffOptions;
}

export type ListWatchEventType =
  | 'listed'
  | 'list-failed'
  | 'relist'
  | 'watch-opened'
  | 'watch-closed'
  | 'watch-failed'
  | 'watch-stalled'
  | 'decode-error'
  | 'error-event';

export interface ListWatchEvent {
  readonly resource: ResourceName;
  readonly type: ListWatchEventType;
  readonly error?: unknown;
}

/** Where the loop delivers objects; called synchronously, must not throw. */
export interface ListWatchSink {
  /** A complete list, to swap in at once. */
  replaced(objects: ReadonlyMap<string, RawObject>): void;
  applied(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: RawObject): void;
}

export interface ListWatchDeps {
  readonly client: KubeClient;
  readonly clock: WatchClock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly onEvent: (event: ListWatchEvent) => void;
}

type WatchEnd = 'closed' | 'expired' | 'failed' | 'stalled' | 'decode-error' | 'stopped';

interface WatchOutcome {
  readonly end: WatchEnd;
  readonly resourceVersion: string;
  readonly isHealthy: boolean;
}

/** Runs until `signal` aborts; resolves then, never rejects. */
export async function runListWatch(
  deps: ListWatchDeps,
  resource: ResourceDescriptor,
  timing: ListWatchTiming,
  sink: ListWatchSink,
  signal: AbortSignal,
): Promise<void> {
  const backoff = createBackoff(timing.backoff, deps.rng);
  const report = (type: ListWatchEventType, error?: unknown): void => {
    if (error !== undefined) deps.log.warn({ resource: resource.name, event: type, err: error }, 'list/watch trouble');
    deps.onEvent(error === undefined ? { resource: resource.name, type } : { resource: resource.name, type, error });
  };
  let resourceVersion: string | undefined;
  while (!signal.aborted) {
    if (resourceVersion === undefined) {
      try {
        const listed = await listAll(deps, resource, timing, signal);
        sink.replaced(listed.objects);
        resourceVersion = listed.resourceVersion;
        deps.log.debug({ resource: resource.name, objects: listed.objects.size, resourceVersion }, 'listed');
        report('listed');
      } catch (error) {
        if (signal.aborted) return;
        report('list-failed', error);
        await sleep(deps.clock, backoff.next(), signal);
        continue;
      }
    }
    const outcome = await watchOnce(deps, resource, timing, resourceVersion, sink, signal, report);
    resourceVersion = outcome.resourceVersion;
    if (outcome.isHealthy) backoff.reset();
    if (outcome.end === 'stopped') return;
    if (outcome.end === 'expired') {
      resourceVersion = undefined;
      report('relist');
      // The first 410 relists at once; repeated ones without a healthy watch back off.
      const delayMs = backoff.next();
      if (backoff.failures > 1) await sleep(deps.clock, delayMs, signal);
      continue;
    }
    if (outcome.end === 'closed' && outcome.isHealthy) continue;
    await sleep(deps.clock, backoff.next(), signal);
  }
}

async function watchOnce(
  deps: ListWatchDeps,
  resource: ResourceDescriptor,
  timing: ListWatchTiming,
  fromVersion: string,
  sink: ListWatchSink,
  signal: AbortSignal,
  report: (type: ListWatchEventType, error?: unknown) => void,
): Promise<WatchOutcome> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  let isStalled = false;
  let cancelStall = (): void => {};
  const armStallDeadline = (): void => {
    cancelStall();
    cancelStall = deps.clock.setTimer(() => {
      isStalled = true;
      controller.abort();
    }, timing.stallTimeoutMs);
  };
  const openedAt = deps.clock.now();
  let resourceVersion = fromVersion;
  let received = 0;
  const outcome = (end: WatchEnd): WatchOutcome => ({
    end,
    resourceVersion,
    isHealthy: received > 0 || deps.clock.now() - openedAt >= timing.healthyWatchMs,
  });
  try {
    armStallDeadline();
    const timeoutSeconds = Math.floor(timing.watchTimeoutSeconds * (1 + deps.rng()));
    const response = await deps.client.get(watchPath(resource, fromVersion, timeoutSeconds), controller.signal);
    if (response.statusCode !== 200) {
      const error = await responseError(response, { resource: resource.name, resourceVersion: fromVersion });
      if (isKpxError(error, 'KPX_ERR_WATCH_EXPIRED')) return outcome('expired');
      report('watch-failed', error);
      return outcome('failed');
    }
    report('watch-opened');
    armStallDeadline();
    const decoder = createWatchDecoder();
    for await (const chunk of response) {
      armStallDeadline();
      for (const item of decoder.push(chunk as Buffer)) {
        const end = handleItem(item);
        if (end !== undefined) return outcome(end);
      }
    }
    for (const item of decoder.end()) {
      const end = handleItem(item);
      if (end !== undefined) return outcome(end);
    }
    report('watch-closed');
    return outcome('closed');
  } catch (error) {
    if (signal.aborted) return outcome('stopped');
    if (isStalled) {
      report('watch-stalled', new Error(`no byte from the watch for ${timing.stallTimeoutMs} ms`));
      return outcome('stalled');
    }
    report('watch-failed', error);
    return outcome('failed');
  } finally {
    cancelStall();
    signal.removeEventListener('abort', stop);
    controller.abort();
  }

  function handleItem(item: DecodedEvent | DecodeFailure): WatchEnd | undefined {
    if (item.type === 'DECODE_FAILURE') {
      report('decode-error', new Error(`${item.reason}: ${item.excerpt}`));
      return 'decode-error';
    }
    if (item.type === 'ERROR') {
      const status = parseStatus(item.object, 0);
      if (isExpired(status)) return 'expired';
      report('error-event', statusToError(status, { resource: resource.name, resourceVersion }));
      return 'failed';
    }
    const version = resourceVersionOf(item.object);
    if (item.type !== 'BOOKMARK') {
      if (objectKey(item.object) === undefined || version === undefined) {
        report('decode-error', new Error(`${item.type} event for an object without name or resourceVersion`));
        return 'decode-error';
      }
      sink.applied(item.type, item.object);
    }
    received += 1;
    if (version !== undefined) resourceVersion = version;
    return undefined;
  }
}

interface ListResult {
  readonly objects: Map<string, RawObject>;
  readonly resourceVersion: string;
}

async function listAll(deps: ListWatchDeps, resource: ResourceDescriptor, timing: ListWatchTiming, signal: AbortSignal): Promise<ListResult> {
  const objects = new Map<string, RawObject>();
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const page = await listPage(deps, resource, timing, continueToken, signal);
    for (const item of page.items) {
      // List items come without apiVersion/kind; give them what watch events carry.
      const object: RawObject = { apiVersion: resource.apiVersion, kind: resource.kind, ...item };
      const key = objectKey(object);
      if (key === undefined) {
        deps.onEvent({ resource: resource.name, type: 'decode-error', error: new Error('listed object without a name') });
        continue;
      }
      objects.set(key, object);
    }
    continueToken = page.continueToken;
    resourceVersion = page.resourceVersion;
  } while (continueToken !== undefined);
  return { objects, resourceVersion };
}

interface ListPage {
  readonly items: readonly Record<string, unknown>[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

async function listPage(
  deps: ListWatchDeps,
  resource: ResourceDescriptor,
  timing: ListWatchTiming,
  continueToken: string | undefined,
  signal: AbortSignal,
): Promise<ListPage> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const cancelDeadline = deps.clock.setTimer(stop, timing.requestTimeoutMs);
  const context = { resource: resource.name, continued: continueToken !== undefined };
  try {
    const response = await deps.client.get(listPath(resource, timing.pageSize, continueToken), controller.signal);
    if (response.statusCode !== 200) throw await responseError(response, context);
    const body = await readJsonObject(response, context);
    const { items, metadata } = body;
    const version = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
    const next = isRecord(metadata) ? metadata['continue'] : undefined;
    if (!Array.isArray(items) || typeof version !== 'string' || version === '') {
      throw statusToError(parseStatus(body, 500), { ...context, problem: 'list without items or resourceVersion' });
    }
    return {
      items: items.filter(isRecord),
      resourceVersion: version,
      continueToken: typeof next === 'string' && next !== '' ? next : undefined,
    };
  } finally {
    cancelDeadline();
    signal.removeEventListener('abort', stop);
  }
}

function selectorParams(resource: ResourceDescriptor): URLSearchParams {
  const params = new URLSearchParams();
  if (resource.selectors.labelSelector !== undefined) params.set('labelSelector', resource.selectors.labelSelector);
  if (resource.selectors.fieldSelector !== undefined) params.set('fieldSelector', resource.selectors.fieldSelector);
  return params;
}

export function listPath(resource: ResourceDescriptor, pageSize: number, continueToken: string | undefined): string {
  const params = selectorParams(resource);
  params.set('limit', String(pageSize));
  if (continueToken !== undefined) params.set('continue', continueToken);
  return `${resource.path}?${params.toString()}`;
}

export function watchPath(resource: ResourceDescriptor, resourceVersion: string, timeoutSeconds: number): string {
  const params = selectorParams(resource);
  params.set('watch', '1');
  params.set('resourceVersion', resourceVersion);
  params.set('allowWatchBookmarks', 'true');
  params.set('timeoutSeconds', String(timeoutSeconds));
  return `${resource.path}?${params.toString()}`;
}
