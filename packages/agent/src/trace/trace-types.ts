// What `kpx trace` reports about one probe: the flow, the hops it crossed, the netfilter rules
// it hit (or the counters that moved), its conntrack entry and the probe's own result. The
// text output and --json are both made from this.
import type { ConntrackEntry } from './parse-conntrack.ts';

export type TraceProtocol = 'tcp' | 'udp';

export interface Flow {
  readonly protocol: TraceProtocol;
  readonly source: string;
  readonly destination: string;
  readonly port: number;
}

/** One interface the packet crossed, in order. */
export interface Hop {
  /** The network namespace ('' for the namespace kpx runs in). */
  readonly netns: string;
  readonly interface: string;
  /** What happened there: a route, a veth peer, a bridge, a local delivery. */
  readonly detail: string;
}

/** One netfilter rule (or chain policy) a packet hit. */
export interface RuleHit {
  /** The probe's packets are numbered from 1 in the order the tracer saw them. */
  readonly packet: number;
  /** `ip kube-proxy` (nft), `nat` / `filter` (iptables). */
  readonly table: string;
  readonly chain: string;
  /** The rule as the tool printed it; '' for a chain policy. */
  readonly rule: string;
  /** accept, drop, continue, jump X, goto X, return, policy accept… */
  readonly verdict: string;
}

/** How the rules were observed. */
export type RuleSource =
  | { readonly kind: 'nft-trace' }
  | { readonly kind: 'xtables-trace' }
  | { readonly kind: 'legacy-counters'; readonly note: string }
  | { readonly kind: 'userspace'; readonly note: string }
  | { readonly kind: 'none'; readonly note: string };

export type ProbeOutcome = 'connected' | 'refused' | 'timeout' | 'unreachable' | 'reply' | 'no-reply' | 'error';

export interface ProbeResult {
  readonly outcome: ProbeOutcome;
  /** The probe's source port, when the socket got one. */
  readonly localPort: number | undefined;
  readonly elapsedMs: number;
  readonly error: string | undefined;
}

export interface Trace {
  readonly flow: Flow;
  /** What --from and --to named, e.g. `demo/web:80 (ClusterIP)`. */
  readonly fromLabel: string;
  readonly toLabel: string;
  readonly sourceNetns: string;
  readonly nodeNetns: string;
  /** nftables, iptables (nft backend), iptables (legacy backend), userspace, or none. */
  readonly dataplane: string;
  readonly hops: readonly Hop[];
  readonly ruleSource: RuleSource;
  readonly rules: readonly RuleHit[];
  readonly conntrack: readonly ConntrackEntry[];
  readonly probe: ProbeResult;
  /** Whether every temporary trace rule was removed afterwards. */
  readonly cleanedUp: boolean;
}
