// Pure: the temporary rules that mark exactly one flow for tracing, and how a leftover one is
// recognised. Every rule matches the source address, destination address, protocol and
// destination port, and carries the comment `kpx-trace:PID` of the run that added it.
import type { Flow } from './trace-types.ts';

export const TRACE_TABLE = 'kpx-trace';
const MARKER = /kpx-trace:(\d+)/;

export function traceMarker(pid: number): string {
  return `kpx-trace:${pid}`;
}

/** The pid in a rule's marker comment, or undefined for a rule without one. */
export function markerPid(ruleText: string): number | undefined {
  const match = MARKER.exec(ruleText);
  return match === null ? undefined : Number(match[1]);
}

const isIPv6 = (flow: Flow): boolean => flow.destination.includes(':');

/** `ip` or `ip6`: the nft family of the flow. */
export function nftFamily(flow: Flow): 'ip' | 'ip6' {
  return isIPv6(flow) ? 'ip6' : 'ip';
}

/** `nft -f` text: kpx's own trace table with a prerouting and an output chain before everything (priority -350), and one rule each for this flow. */
export function nftTraceRules(flow: Flow, pid: number): string {
  const family = nftFamily(flow);
  const match = `${family} saddr ${flow.source} ${family} daddr ${flow.destination} ${flow.protocol} dport ${flow.port}`;
  const comment = `comment "${traceMarker(pid)}"`;
  return [
    `add table ${family} ${TRACE_TABLE}`,
    `add chain ${family} ${TRACE_TABLE} prerouting { type filter hook prerouting priority -350; policy accept; }`,
    `add chain ${family} ${TRACE_TABLE} output { type filter hook output priority -350; policy accept; }`,
    `add rule ${family} ${TRACE_TABLE} prerouting ${match} meta nftrace set 1 ${comment}`,
    `add rule ${family} ${TRACE_TABLE} output ${match} meta nftrace set 1 ${comment}`,
    '',
  ].join('\n');
}

/** The rule handles in `nft -a list table …` output whose marker names a pid `isGone` says is gone (or `pid` itself). */
export function nftHandlesToRemove(listing: string, isGone: (pid: number) => boolean): { chain: string; handle: number }[] {
  const handles: { chain: string; handle: number }[] = [];
  let chain = '';
  for (const line of listing.split('\n')) {
    const chainMatch = /^\s*chain (\S+) \{/.exec(line);
    if (chainMatch !== null) chain = chainMatch[1] ?? '';
    const pid = markerPid(line);
    const handle = /# handle (\d+)\s*$/.exec(line);
    if (pid !== undefined && handle !== null && isGone(pid)) handles.push({ chain, handle: Number(handle[1]) });
  }
  return handles;
}

/** Whether an `nft -a list table` listing still holds a rule: a `# handle` line that is not a table or chain header. */
export function nftTableHasRules(listing: string): boolean {
  return listing.split('\n').some((line) => /# handle \d+\s*$/.test(line) && !/^\s*(table|chain) /.test(line));
}

/** The raw-table rule specs (`-A CHAIN …`, without -t) for iptables: PREROUTING and OUTPUT, -j TRACE. */
export function iptablesTraceRules(flow: Flow, pid: number): string[][] {
  const prefix = isIPv6(flow) ? '128' : '32';
  const match = [
    '-s',
    `${flow.source}/${prefix}`,
    '-d',
    `${flow.destination}/${prefix}`,
    '-p',
    flow.protocol,
    '-m',
    flow.protocol,
    '--dport',
    String(flow.port),
  ];
  const tail = ['-m', 'comment', '--comment', traceMarker(pid), '-j', 'TRACE'];
  return ['PREROUTING', 'OUTPUT'].map((chain) => ['-A', chain, ...match, ...tail]);
}

/** The `-A …` lines of `iptables -t raw -S` output that carry a marker of a gone pid, as `-D …` argv. */
export function iptablesRulesToRemove(listing: string, isGone: (pid: number) => boolean): string[][] {
  const removals: string[][] = [];
  for (const line of listing.split('\n')) {
    const pid = markerPid(line);
    if (!line.startsWith('-A ') || pid === undefined || !isGone(pid)) continue;
    // `iptables -S` quotes the comment; the argv wants it bare.
    const words = line.replace(/"(kpx-trace:\d+)"/, '$1').split(/\s+/);
    removals.push(['-D', ...words.slice(1)]);
  }
  return removals;
}
