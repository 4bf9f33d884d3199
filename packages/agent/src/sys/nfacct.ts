// nfnetlink_acct counters through the `nfacct` tool (netfilter's extended accounting), as
// upstream's pkg/proxy/util/nfacct: named packet counters that iptables rules bump with
// `-m nfacct --nfacct-name NAME`. Counters live per network namespace.
import type { Exec } from './exec.ts';

const NFACCT = 'nfacct';
/** The kernel keeps NFACCT_NAME_MAX - 1 = 31 bytes of a name: upstream's localhost_nodeports_accepted_pkts is listed as …_pk. */
const KERNEL_NAME_LENGTH = 31;

/** The name as the kernel keeps (and lists) it. */
export function kernelNfacctName(name: string): string {
  return name.slice(0, KERNEL_NAME_LENGTH);
}
const LIST_LINE = /^\{ pkts = (\d+), bytes = (\d+) \} = ([^;\s]+);$/;

/** `nfacct list` output → packets per counter name. Pure. */
export function parseNfacctList(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = LIST_LINE.exec(line.trim());
    if (match !== null) counters.set(match[3] ?? '', Number(match[1]));
  }
  return counters;
}

/**
 * Creates the counter unless it exists (upstream's Ensure); false when nfacct cannot: no
 * tool, or a kernel without nfnetlink_acct. Never throws: the counters are optional.
 */
export async function ensureNfacctCounter(exec: Exec, name: string): Promise<boolean> {
  try {
    if ((await exec({ file: NFACCT, args: ['get', name], timeoutMs: 5_000 })).exitCode === 0) return true;
    return (await exec({ file: NFACCT, args: ['add', name], timeoutMs: 5_000 })).exitCode === 0;
  } catch {
    return false;
  }
}

/** Packets per counter, by the kernel's (truncated) names; an empty map when nfacct cannot be read. */
export async function readNfacctCounters(exec: Exec): Promise<Map<string, number>> {
  try {
    const result = await exec({ file: NFACCT, args: ['list'], timeoutMs: 5_000 });
    return result.exitCode === 0 ? parseNfacctList(result.stdout) : new Map();
  } catch {
    return new Map();
  }
}
