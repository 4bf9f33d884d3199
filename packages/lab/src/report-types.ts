// What `kpx lab` reports: report.json holds a LabReport as is. A figure that could not be
// measured is null (a gap: "—" in the table, no bar in a chart), never 0.

export type Figure = number | null;

/** Traffic figures, from the standard tools (iperf3, wrk against nginx). */
export const TRAFFIC_FIGURES = [
  'tcpGbit1',
  'tcpRetrans1',
  'tcpGbitN',
  'tcpRetransN',
  'udpGbit',
  'udpJitterMs',
  'udpLossPct',
  'httpRps',
  'httpP50Us',
  'httpP99Us',
  'httpCloseRps',
  'httpCloseP50Us',
  'httpCloseP99Us',
] as const;
/** What the traffic cost: the machine's CPU (% of all CPUs) and the kpx daemons' CPU (% of one CPU) and RSS (MiB). */
export const COST_FIGURES = ['nodeUserPct', 'nodeSystemPct', 'nodeSoftirqPct', 'kpxCpuPct', 'kpxRssIdleMb', 'kpxRssLoadMb'] as const;
export const MODE_FIGURES = ['apiChangeP50Ms', 'apiChangeMaxMs', 'firstSyncMs', 'syncP50Ms'] as const;
export type TrafficFigure = (typeof TRAFFIC_FIGURES)[number];
export type CostFigure = (typeof COST_FIGURES)[number];
export type ModeFigure = (typeof MODE_FIGURES)[number];
export type FigureName = TrafficFigure | CostFigure | ModeFigure;

/**
 * tcpGbit1/N: iperf3 TCP, 1 and --streams streams (received rate), with the sender's retransmits;
 * udpGbit/JitterMs/LossPct: iperf3 UDP at `-b 0` (as fast as it can send), as the server saw it;
 * httpRps/P50Us/P99Us: wrk against nginx on keep-alive connections; httpClose*: `Connection: close`,
 * a new TCP connection per request.
 */
export type LegFigures = Readonly<Record<TrafficFigure | CostFigure, Figure>>;

/**
 * apiChange*: from the API change (an endpoint removed) to the last new connection that reached
 * it, ms; firstSyncMs: node1's first full sync as `kpx run` logged it; syncP50Ms: node1's syncs
 * after the first (those the API changes caused).
 */
export type ModeFigures = LegFigures & Readonly<Record<ModeFigure, Figure>>;

/** One measurement: one figure of one repetition of one leg. */
export interface LabSample {
  readonly network: string;
  readonly leg: string;
  readonly figure: FigureName;
  readonly repeat: number;
  readonly value: Figure;
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

interface MeasuredLeg {
  readonly name: string;
  /** The pod network the leg ran over (pod-network.ts). */
  readonly network: string;
  readonly status: 'ok';
  /** Standard deviation over --repeat runs; null with one run. */
  readonly spread: Readonly<Partial<Record<FigureName, Figure>>>;
  /** Figures that could not be measured, and why. */
  readonly gaps: readonly { readonly figure: string; readonly reason: string }[];
  readonly kernelVm?: KernelVmRun;
}

export type LegReport =
  | (MeasuredLeg & { readonly figures: LegFigures })
  | (MeasuredLeg & {
      readonly figures: ModeFigures;
      /** The direct leg these figures compare with; DIRECT_LEG when absent. */
      readonly baseline?: string;
      readonly checks: readonly SpreadCheck[];
      /** How many endpoint removals traffic followed within the wait (the others count as not followed). */
      readonly apiChanges: { readonly followed: number; readonly total: number; readonly waitMs: number };
      /** Every applied sync node1's daemon logged during the leg, in order, ms. */
      readonly node1SyncsMs: readonly number[];
      /** The iptables backend node1's daemon chose (legacy or nft), where the mode uses iptables. */
      readonly iptablesBackend?: string;
    })
  | { readonly name: string; readonly network: string; readonly status: 'skipped' | 'failed'; readonly reason: string };

/** One pod network as built: its MTUs, and what its tunnel device carried over the whole run. */
export interface NetworkReport {
  readonly name: string;
  readonly status: 'ok' | 'skipped';
  readonly reason?: string;
  readonly podMtu?: number;
  readonly nodeMtu?: number;
  readonly tunnel?: {
    readonly device: string;
    readonly mtu: number;
    readonly vni?: number;
    readonly udpPort?: number;
    readonly overheadBytes: number;
    /** node1's device counters at teardown: packets it encapsulated (tx) and decapsulated (rx). */
    readonly node1: { readonly txPackets: number; readonly rxPackets: number; readonly txBytes: number; readonly rxBytes: number } | null;
  };
}

export interface LabEnvironment {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly kernel: string;
  /** `iperf3 --version`, `wrk -v`, `nginx -v`, `nft -v`, first lines. */
  readonly tools: Readonly<Record<string, string>>;
  readonly sysctls: readonly string[];
}

export interface LabReport {
  readonly startedAt: string;
  readonly durationS: number;
  readonly settings: {
    readonly networks: readonly string[];
    readonly modes: readonly string[];
    readonly measureSeconds: number;
    readonly repeat: number;
    readonly syntheticServices: number;
    readonly streams: number;
  };
  readonly host: LabEnvironment;
  readonly networks: readonly NetworkReport[];
  /** Per network: the direct baseline first, then each mode in the order asked. */
  readonly legs: readonly LegReport[];
  /** Every measurement behind the figures (also written as samples.csv). */
  readonly samples: readonly LabSample[];
  /** Every pod that answered at least one request through any mode. */
  readonly endpointsSeen: readonly string[];
}
