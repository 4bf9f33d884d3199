// The contract between the nftables planner (pure) and the nftables dataplane (I/O).
import type { IPFamily } from '../../model/types.ts';

export interface NftablesPlan {
  /** True: the whole table is rewritten. False: only what the ChangeSet touched. */
  readonly full: boolean;
  readonly ipFamily: IPFamily;
  /** `ip` or `ip6`. */
  readonly family: 'ip' | 'ip6';
  readonly table: string;
  /** The statements after the table header (`add table` + `flush table` on a full plan), one per line. */
  readonly body: readonly string[];
  /** Every chain, set and map a full plan declares (empty on a partial plan). */
  readonly owned: readonly NftObject[];
  /** A partial plan: objects it creates, and those it deletes (in its body already). */
  readonly created: readonly NftObject[];
  readonly deleted: readonly NftObject[];
  /**
   * A partial plan: the shared dispatch chains it points at (empty on a full plan, whose body
   * writes them all). They go before the body; a dataplane may leave out those it already wrote.
   */
  readonly sharedChains: readonly SharedChain[];
  readonly figures: Readonly<Record<string, number>>;
}

export interface SharedChain {
  readonly name: string;
  /** `add chain`, `flush chain`, its rules. */
  readonly lines: readonly string[];
}

export interface NftObject {
  readonly kind: 'chain' | 'set' | 'map';
  readonly name: string;
}

export interface NftablesModeOptions {
  /** `--service-proxy-name`, when set, names the table instead of `kube-proxy`. */
  readonly tableName?: string;
  /** The node sets nf_conntrack_tcp_be_liberal: upstream then keeps `ct state invalid` packets. */
  readonly tcpBeLiberal?: boolean;
  /** Service CIDRs of this family: traffic to unallocated addresses in them is dropped. */
  readonly serviceCIDRs?: readonly string[];
}
