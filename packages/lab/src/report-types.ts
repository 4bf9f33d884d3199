// What `kpx lab` reports: report.json holds a LabReport as is.

export interface LegFigures {
  /** TCP throughput, one stream and --streams streams, Gbit/s. */
  readonly tcpGbit1: number;
  readonly tcpGbitN: number;
  /** Request/response round trip of a few bytes on one connection, µs. */
  readonly rrP50Us: number;
  readonly rrP99Us: number;
  /** Fresh TCP connections per second (connect, read the greeting, close), 4 at a time. */
  readonly connPerSecond: number;
  readonly udpP50Us: number;
  readonly udpP99Us: number;
}

export interface ModeFigures extends LegFigures {
  /** From the API change (an endpoint removed) to the last new connection that reached it, ms. */
  readonly apiChangeP50Ms: number;
  readonly apiChangeMaxMs: number;
  /** The first full sync of node1's daemon, as `kpx run` logged it, ms. */
  readonly firstSyncMs: number;
  /** node1's syncs after the first (those the API changes caused), p50 of their logged durations, ms. */
  readonly syncP50Ms: number;
}

/** Replies per pod for one service address, from one client. */
export interface SpreadCheck {
  readonly service: string;
  readonly from: string;
  readonly address: string;
  readonly byPod: Readonly<Record<string, number>>;
  readonly errors: number;
  /** The pods this service may answer from (its policy applied). */
  readonly expectedPods: readonly string[];
}

/** Set on legs measured inside the kernel VM (the host kernel lacked what the mode needs). */
export interface KernelVmRun {
  /** The guest kernel's release. */
  readonly kernel: string;
  /** Host wall time of the whole VM run (boot, the lab inside, power-off), s. */
  readonly vmSeconds: number;
}

/** A direct pod-to-pod baseline: `direct` on the host, `direct (kernel VM)` inside the VM. */
export const DIRECT_LEG = 'direct';

export type LegReport =
  | { readonly name: string; readonly status: 'ok'; readonly figures: LegFigures; readonly kernelVm?: KernelVmRun }
  | {
      readonly name: string;
      readonly status: 'ok';
      readonly figures: ModeFigures;
      /** The direct leg these figures compare with; DIRECT_LEG when absent. */
      readonly baseline?: string;
      readonly kernelVm?: KernelVmRun;
      readonly checks: readonly SpreadCheck[];
      /** How many endpoint removals traffic followed within the wait (the others count as not followed). */
      readonly apiChanges: { readonly followed: number; readonly total: number; readonly waitMs: number };
      /** Every applied sync node1's daemon logged during the leg, in order, ms. */
      readonly node1SyncsMs: readonly number[];
    }
  | { readonly name: string; readonly status: 'skipped' | 'failed'; readonly reason: string };

export interface LabReport {
  readonly startedAt: string;
  readonly durationS: number;
  readonly settings: { readonly modes: readonly string[]; readonly measureSeconds: number; readonly syntheticServices: number; readonly streams: number };
  readonly host: { readonly cpus: number; readonly kernel: string };
  /** The direct baseline first, then each mode in the order asked. */
  readonly legs: readonly LegReport[];
  /** Every pod that answered at least one request through any mode. */
  readonly endpointsSeen: readonly string[];
}
