// One watch request: from a resourceVersion until the stream ends, fails, stalls past its
// deadline, delivers something undecodable or an ERROR, or the loop stops. Reports how it
// ended and the last version it got to; the loop decides what comes next.
import { isKpxError } from '../errors.ts';
import { isExpired, parseStatus, responseError, statusToError } from './api-response.ts';
import type { DropReason, ListWatchDeps, ListWatchEventType, ListWatchSink, ListWatchTiming, ResourceDescriptor } from './list-watch-types.ts';
import { objectKey, resourceVersionOf } from './object-cache.ts';
import { watchPath } from './request-paths.ts';
import { createWatchDecoder, type DecodeFailure, type DecodedEvent } from './watch-decoder.ts';

export type WatchEnd = 'closed' | 'expired' | 'failed' | 'stalled' | 'decode-error' | 'stopped';

export interface WatchOutcome {
  readonly end: WatchEnd;
  /** The last version delivered (event or bookmark), else the one the watch started from. */
  readonly resourceVersion: string;
  /** It delivered something or stayed open `healthyWatchMs`: the backoff may reset. */
  readonly isHealthy: boolean;
}

export type Report = (type: ListWatchEventType, error?: unknown, reason?: DropReason) => void;

export async function watchOnce(
  deps: ListWatchDeps,
  resource: ResourceDescriptor,
  timing: ListWatchTiming,
  fromVersion: string,
  sink: ListWatchSink,
  signal: AbortSignal,
  report: Report,
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
  const progress = { resourceVersion: fromVersion, received: 0 };
  const outcome = (end: WatchEnd): WatchOutcome => ({
    end,
    resourceVersion: progress.resourceVersion,
    isHealthy: progress.received > 0 || deps.clock.now() - openedAt >= timing.healthyWatchMs,
  });
  const handle = (item: DecodedEvent | DecodeFailure): WatchEnd | undefined => handleItem(item, resource, sink, progress, report);
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
        const end = handle(item);
        if (end !== undefined) return outcome(end);
      }
    }
    for (const item of decoder.end()) {
      const end = handle(item);
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
}

/** Applies one decoded line; returns how the watch must end, or undefined to go on. */
function handleItem(
  item: DecodedEvent | DecodeFailure,
  resource: ResourceDescriptor,
  sink: ListWatchSink,
  progress: { resourceVersion: string; received: number },
  report: Report,
): WatchEnd | undefined {
  if (item.type === 'DECODE_FAILURE') {
    report('decode-error', new Error(`${item.reason}: ${item.excerpt}`), item.reason);
    return 'decode-error';
  }
  if (item.type === 'ERROR') {
    const status = parseStatus(item.object, 0);
    if (isExpired(status)) return 'expired';
    report('error-event', statusToError(status, { resource: resource.name, resourceVersion: progress.resourceVersion }));
    return 'failed';
  }
  const { kind, apiVersion } = item.object;
  if (typeof kind !== 'string') {
    report('decode-error', new Error(`${item.type} event for an object without a kind`), 'no-kind');
    return 'decode-error';
  }
  if (kind !== resource.kind || (apiVersion !== undefined && apiVersion !== resource.apiVersion)) {
    // As client-go's reflector does with an object of an unexpected type: skip it, keep watching.
    report('decode-error', new Error(`${item.type} event for a ${String(apiVersion)} ${kind} in the ${resource.kind} watch`), 'wrong-kind');
    return undefined;
  }
  const version = resourceVersionOf(item.object);
  if (item.type !== 'BOOKMARK') {
    if (objectKey(item.object) === undefined || version === undefined) {
      report('decode-error', new Error(`${item.type} event for an object without name or resourceVersion`), 'no-name-or-version');
      return 'decode-error';
    }
    sink.applied(item.type, item.object);
  }
  progress.received += 1;
  if (version !== undefined) progress.resourceVersion = version;
  return undefined;
}
