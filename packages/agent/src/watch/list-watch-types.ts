// The contract of one resource's list/watch loop (list-watch.ts) and the helpers it runs:
// what a resource is, the timing, the events it reports and where objects go.
import type { Logger } from '../log.ts';
import type { RawObject } from '../model/inputs.ts';
import type { BackoffOptions, Rng } from './backoff.ts';
import type { KubeClient } from './kube-client.ts';
import type { PauseEnd } from './outage-pacer.ts';
import type { ResourceSelectors } from './selectors.ts';
import type { DecodeReason } from './watch-decoder.ts';
import type { WatchClock } from './watch-clock.ts';

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
  /** During an API server outage, the loops' shared probe runs at most this far apart (outage-pacer.ts). */
  readonly outageProbeMs?: number;
}

export type ListWatchEventType =
  'listed' | 'list-failed' | 'relist' | 'watch-opened' | 'watch-closed' | 'watch-failed' | 'watch-stalled' | 'decode-error' | 'error-event';

/**
 * Why an event or listed object was dropped (label `reason` of kpx_watch_decode_errors_total):
 * an undecodable line, an event without a kind or of another kind than the watch's, one
 * without name or resourceVersion, or a listed item without a name.
 */
export type DropReason = DecodeReason | 'no-kind' | 'wrong-kind' | 'no-name-or-version' | 'listed-without-name';

export interface ListWatchEvent {
  readonly resource: ResourceName;
  readonly type: ListWatchEventType;
  readonly error?: unknown;
  /** Set on every 'decode-error'. */
  readonly reason?: DropReason;
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
  /** Waits before a retry; without it, the loop sleeps its own backoff. */
  readonly pause?: (backoffMs: number, signal: AbortSignal) => Promise<PauseEnd>;
}
