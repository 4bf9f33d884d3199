// The contract between the iptables renderer (pure) and the iptables dataplane (I/O).
import type { IPFamily } from '../../model/types.ts';

export type { IptablesTable, JumpRule } from '../../netfilter/jump-rule.ts';
import type { IptablesTable, JumpRule } from '../../netfilter/jump-rule.ts';

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
