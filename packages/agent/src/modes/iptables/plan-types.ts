// The contract between the iptables renderer (pure) and the iptables dataplane (I/O).
import type { IPFamily } from '../../model/types.ts';

export type IptablesTable = 'nat' | 'filter';

/**
 * A rule in a built-in chain that jumps into kpx's chains (e.g. nat PREROUTING →
 * KUBE-SERVICES). These cannot live in an `iptables-restore --noflush` payload without
 * duplicating on every sync, so the dataplane ensures them (`-C`, then `-I`/`-A`) as
 * kube-proxy does.
 */
export interface JumpRule {
  readonly table: IptablesTable;
  /** The built-in chain: PREROUTING, OUTPUT, POSTROUTING, INPUT, FORWARD. */
  readonly chain: string;
  /** The kpx chain jumped to. */
  readonly target: string;
  /** Match arguments placed before `-j target` (includes the `-m comment` part). */
  readonly args: readonly string[];
  readonly position: 'prepend' | 'append';
}

export interface IptablesPlan {
  /** True when every kpx chain is rewritten; false for a partial sync. */
  readonly full: boolean;
  readonly ipFamily: IPFamily;
  /** Input for `iptables-restore --noflush` (filter and nat tables, each ending in COMMIT). */
  readonly restoreText: string;
  /**
   * Every kpx chain the desired state needs, per table, whether or not this (partial) plan
   * rewrites it. On a full sync the dataplane deletes KUBE-* chains it finds that are not here.
   */
  readonly ownedChains: Readonly<Record<IptablesTable, readonly string[]>>;
  readonly jumpRules: readonly JumpRule[];
  /** Figures for logs and metrics, e.g. { natRules, filterRules, natChains, chainsWritten }. */
  readonly figures: Readonly<Record<string, number>>;
}
