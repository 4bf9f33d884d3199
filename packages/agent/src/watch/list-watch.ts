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
import { createBackoff } from './backoff.ts';
import { listAll } from './list-pages.ts';
import type { DropReason, ListWatchDeps, ListWatchEventType, ListWatchSink, ListWatchTiming, ResourceDescriptor } from './list-watch-types.ts';
import { sleep } from './watch-clock.ts';
import { watchOnce } from './watch-once.ts';

/** Runs until `signal` aborts; resolves then, never rejects. */
export async function runListWatch(
  deps: ListWatchDeps,
  resource: ResourceDescriptor,
  timing: ListWatchTiming,
  sink: ListWatchSink,
  signal: AbortSignal,
): Promise<void> {
  const backoff = createBackoff(timing.backoff, deps.rng);
  const report = (type: ListWatchEventType, error?: unknown, reason?: DropReason): void => {
    if (error !== undefined) deps.log.warn({ resource: resource.name, event: type, reason, err: error }, 'list/watch trouble');
    deps.onEvent({ resource: resource.name, type, ...(error === undefined ? {} : { error }), ...(reason === undefined ? {} : { reason }) });
  };
  const pause = async (): Promise<void> => {
    const delayMs = backoff.next();
    const end = deps.pause === undefined ? (await sleep(deps.clock, delayMs, signal), 'slept') : await deps.pause(delayMs, signal);
    // During an outage the pacer sets the pace; once it ends (this loop's probe or another's
    // answered), the loop starts afresh rather than sleep a delay grown while the API was away.
    if (end !== 'slept') backoff.reset();
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
        await pause();
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
      if (backoff.failures > 0) await pause();
      else backoff.next();
      continue;
    }
    if (outcome.end === 'closed' && outcome.isHealthy) continue;
    await pause();
  }
}
