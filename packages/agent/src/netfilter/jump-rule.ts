// A rule in a built-in chain that jumps into kpx's chains, as iptables and ipvs both
// render them (pure), and its one-line description for `kpx render` headers.

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

export function describeJumpRule(rule: JumpRule): string {
  const operation = rule.position === 'prepend' ? '-I' : '-A';
  const args = rule.args.map((arg) => (/[\s"]/.test(arg) ? `"${arg}"` : arg));
  return ['-t', rule.table, operation, rule.chain, ...args, '-j', rule.target].join(' ');
}
