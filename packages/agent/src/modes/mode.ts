// The one interface every dataplane implements. The daemon, `kpx render`, `kpx explain` and
// `kpx run --cleanup` (and so the lab's daemons, which are `kpx run`) speak only this: they
// take a mode from modes/registry.ts, let it read its own options from the configuration
// (optionsFromConfig) and hand them back to plan() and open(), the only way to a dataplane.
// No file in src/ outside a mode's folder imports from it, and none knows a mode's options,
// files or figures.
import type { KpxOptions, KubeProxyConfig } from '../config/kube-proxy-config.ts';
import type { ChangeSet } from '../diff/change-set.ts';
import type { Logger } from '../log.ts';
import type { NodePortAddresses } from '../model/node-port-addresses.ts';
import type { DesiredState, IPFamily, ServicePort, ServicePortName } from '../model/types.ts';
import type { Exec } from '../sys/exec.ts';

export type ModeName = 'iptables' | 'ipvs' | 'userspace' | 'nftables';

export interface Clock {
  now(): number;
}

/**
 * The metrics a dataplane keeps itself, bound to its IP family (daemon/metrics.ts holds the
 * names). Each mode counts what upstream's proxier of that mode counts, and nothing else.
 */
export interface DataplaneMetrics {
  /** An iptables-restore failed (iptables; ipvs for its iptables part); `partial` on a partial sync. */
  countRestoreFailure(restore: { readonly partial: boolean }): void;
  /** The iptables rules kpx owns in `table` after a sync, and how many this sync wrote. */
  setIptablesRules(table: 'filter' | 'nat', rules: { readonly total: number; readonly lastSync: number }): void;
  /** An nft transaction failed (the nftables mode). */
  countNftablesFailure(step: 'sync' | 'cleanup'): void;
}

export interface DataplaneDeps {
  readonly exec: Exec;
  readonly clock: Clock;
  readonly log: Logger;
  /** Absent (tests, `kpx explain`, `kpx run --cleanup`): nothing is counted. */
  readonly metrics?: DataplaneMetrics;
}

/** kpx's own flags a mode may read: KubeProxyConfiguration has no field for them. */
export type ModeFlags = Pick<KpxOptions, 'userspaceTcpIdleTimeoutMs' | 'serviceProxyName'>;

/** What every dataplane is opened with: where it runs, the node settings, the mode's own options. */
export interface DataplaneSettings<Options> {
  /** '' programs the host; else the named network namespace (--netns). */
  readonly netns: string;
  readonly ipFamily: IPFamily;
  /** --nodeport-addresses of this family (route_localnet, listen addresses). */
  readonly nodePortAddresses: NodePortAddresses;
  /** --iptables-localhost-nodeports. */
  readonly localhostNodePorts: boolean;
  /** The mode's own options: optionsFromConfig's, or a test's. */
  readonly options: Options;
}

export interface ApplyReport {
  /** Whether the apply rewrote everything (a full sync) or only what changed. */
  readonly full: boolean;
  /** Milliseconds spent inside external tools (iptables-restore, ipvsadm, …). */
  readonly toolMs: number;
  /** Free-form figures for the sync log line (chains written, rules, …); metrics never read them. */
  readonly figures: Readonly<Record<string, number>>;
}

/** What the dataplane really holds for a service, read back from the kernel. */
export interface Observed {
  readonly text: string;
}

/**
 * Kinds of kernel state a mode writes. Two modes that write a kind in common share objects
 * (iptables and ipvs both fill KUBE-SERVICES): starting one never removes the other's
 * leftovers, as upstream's platformCleanup keeps iptables and ipvs apart.
 */
export type KernelStateKind = 'iptables' | 'ipvs' | 'nftables' | 'service-interface';

/** What a leftover cleanup needs: how to run tools, and counters bound to a family. */
export interface LeftoverDeps {
  readonly exec: Exec;
  readonly log: Logger;
  /** Absent (`kpx run --cleanup`, tests): nothing is counted. */
  readonly metricsFor?: (ipFamily: IPFamily) => DataplaneMetrics;
}

export interface LeftoverSettings<Options> {
  /** '' cleans the host; else the named network namespace (--netns). */
  readonly netns: string;
  /** The mode's own options (the nftables table name, the ipvs excluded CIDRs). */
  readonly options: Options;
}

export interface LeftoverFailure {
  /** Which part failed (`nat IPv4 nft`, `virtual servers`, …). */
  readonly step: string;
  readonly error: unknown;
}

export interface LeftoverReport {
  /** What was removed, for the log line: chains, tables, virtual servers, … */
  readonly removed: Readonly<Record<string, number>>;
  /** Steps that failed; every other step still ran. */
  readonly failures: readonly LeftoverFailure[];
}

// Methods (not function-valued properties) on purpose: their parameters are bivariant, so a
// Mode<IptablesPlan, IptablesModeOptions> is a Mode<unknown, unknown> for the registry.
export interface Mode<Plan, Options> {
  readonly name: ModeName;
  /** Pure: this mode's options from KubeProxyConfiguration and kpx's flags. */
  optionsFromConfig(config: KubeProxyConfig, flags: ModeFlags): Options;
  /** Pure and deterministic. Without `changed`, a full plan. */
  plan(state: DesiredState, options: Options, changed?: ChangeSet): Plan;
  /** Pure: the text `kpx render` prints and golden files hold. */
  format(plan: Plan): string;
  /** The only way to a dataplane of this mode. */
  open(deps: DataplaneDeps, settings: DataplaneSettings<Options>): Dataplane<Plan>;
  /** The kinds of kernel state this mode writes. */
  readonly writes: readonly KernelStateKind[];
  /**
   * Whether, with --service-proxy-name set, what this mode writes is kpx's alone (named
   * after it, or never written by kube-proxy), so that `kpx run --cleanup` beside
   * kube-proxy may remove it.
   */
  readonly hasStateApartFromKubeProxy: boolean;
  /**
   * Removes what this mode (kpx's or kube-proxy's) leaves behind, for every IP family, as
   * upstream's CleanupLeftovers: at the start of another mode and for `kpx run --cleanup`.
   * Only objects the mode owns; a tool that is not installed (or a kernel without the
   * feature) means nothing to remove. Never throws: failed steps are reported.
   */
  cleanupLeftovers(deps: LeftoverDeps, settings: LeftoverSettings<Options>): Promise<LeftoverReport>;
}

/** A mode as the registry holds it, whatever its plan and options. */
export type AnyMode = Mode<unknown, unknown>;

export interface Dataplane<Plan> {
  /** Sysctls, base chains, interfaces: whatever must exist before the first apply. */
  setup(): Promise<void>;
  /** All-or-nothing; throws KpxError. */
  apply(plan: Plan): Promise<ApplyReport>;
  /**
   * What the kernel holds: everything, or for one service port. `servicePort` (what kpx wants
   * for it now) lets a dataplane read only the kernel objects keyed by the port's addresses.
   */
  observe(servicePortName?: ServicePortName, servicePort?: ServicePort): Promise<Observed>;
  /** Removes only what kpx owns. */
  cleanup(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: a cheap check, polled about once a second between syncs (daemon/flush-watch.ts),
   * of whether someone else flushed or deleted what the last full sync wrote (a firewall
   * reload, `iptables -t nat -F`). Resolves with what was lost, or undefined when all is in
   * place; throws when it cannot tell. A full sync must make the check pass again. On a
   * loss the daemon counts it, marks /healthz unhealthy and runs a full sync at once.
   */
  detectFlush?(): Promise<FlushDetection | undefined>;
}

/** What detectFlush found gone. */
export interface FlushDetection {
  /** Where (e.g. the iptables tables `nat`, `filter`; an nftables table's name), for the log. */
  readonly lost: readonly string[];
}
