// The programmatic face of the embedded API server (src/apiserver), shared by its
// tests, the watch layer's tests, `kpx apiserver` and `kpx lab`.
import type { Logger } from '@kpx/agent/log.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';

export interface ApiServerOptions {
  /** Default 127.0.0.1. Only loopback or lab-namespace addresses. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Objects to create before serving (Services, EndpointSlices, Nodes, or Lists of them). */
  readonly seed?: readonly RawObject[];
  /** How many events the watch history keeps; older resourceVersions get 410 Gone. */
  readonly historyLimit?: number;
  /** How often watches that allow bookmarks get one. Default 60 000 (upstream: about a minute). */
  readonly bookmarkIntervalMs?: number;
  /** IPv4 CIDR that Services created through the HTTP API get their ClusterIP from. Default 10.96.0.0/12. */
  readonly serviceClusterIPRange?: string;
  /** Receives one debug line per request and errors. Default: silent. */
  readonly logger?: Logger;
}

/** Faults a test can switch on while the server runs. */
export interface ApiServerFaults {
  /** Close every open watch connection now. */
  dropWatches(): void;
  /** Answer every request with this HTTP status (e.g. 500) until cleared with `undefined`. */
  failRequests(status: number | undefined): void;
  /**
   * Hold new watch responses open without sending a byte (not even headers) until cleared.
   * Watches held meanwhile stay stuck after clearing, as a stuck connection would.
   */
  stallWatches(stalled: boolean): void;
  /**
   * Forget the event history so that every resourceVersion a client holds is too old: the
   * revision advances by one (as unrelated writes do in a real cluster) and watches from any
   * older version get the 410 ERROR event; lists and continue tokens from before get 410 too.
   */
  expireHistory(): void;
  /** Write this raw text into every open watch stream (garbage-JSON tests). */
  injectRaw(text: string): void;
  /** Reset (destroy the socket of) every open watch connection now, without a clean end. */
  resetWatches(): void;
  /** Open watches fall silent for good (a half-open connection): nothing more is written to them. */
  freezeWatches(): void;
}

/** The kinds the handle can remove; 'Event' means core/v1 events. */
export type ServedKind = 'Service' | 'EndpointSlice' | 'Node' | 'Namespace' | 'Event';

export interface ApiServerHandle {
  readonly url: string;
  readonly port: number;
  /**
   * Create, replace or delete objects; resolve with the stored object. These are direct writes,
   * as if into etcd: objects are stored as given (no Service defaulting or allocation, status
   * kept), missing namespaces are created. A refusal (exists, conflict, not found, invalid name)
   * rejects with KpxError KPX_ERR_INPUT whose context holds the HTTP code and reason.
   */
  create(object: RawObject): Promise<RawObject>;
  update(object: RawObject): Promise<RawObject>;
  remove(kind: ServedKind, namespace: string, name: string): Promise<void>;
  /** The stored object, or undefined. */
  get(kind: ServedKind, namespace: string, name: string): RawObject | undefined;
  /** The store's current resourceVersion (one global counter, as etcd's revision). */
  resourceVersion(): string;
  /** How many watch connections are open (stalled ones included). */
  openWatchCount(): number;
  readonly faults: ApiServerFaults;
  /** Stop listening (dropping every connection), keeping the stored objects. Idempotent. */
  stop(): Promise<void>;
  /**
   * Listen again on the same port with the same objects and versions. As a restarted API
   * server's watch cache does, it starts its history afresh: watches from versions older than
   * the current one get 410.
   */
  restart(): Promise<void>;
}
