import type { RawObject } from '../model/inputs.ts';

/**
 * A consistent view of everything kpx watches, handed from the watch layer to the
 * daemon. Emitted only after Services and EndpointSlices have both completed their
 * initial list, and never from the middle of a relist.
 */
export interface Snapshot {
  readonly services: readonly RawObject[];
  readonly endpointSlices: readonly RawObject[];
  readonly node: RawObject | undefined;
  /**
   * Per service (`namespace/name`), when the oldest change not yet handed over arrived
   * (ms since epoch): the start of kube-proxy's network-programming latency.
   */
  readonly pendingSince: ReadonlyMap<string, number>;
  /** Monotonic counter, +1 per emitted snapshot. */
  readonly generation: number;
}
