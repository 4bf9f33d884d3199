// Pure: a Trace as the readable list `kpx trace` prints: the flow, the hops, the rules hit
// (the first packet's in full, later packets counted), the conntrack entry and the probe result.
import { formatTuple, type ConntrackEntry } from './parse-conntrack.ts';
import type { RuleHit, Trace } from './trace-types.ts';

const where = (netns: string): string => (netns === '' ? '(this namespace)' : netns);

const PROBE_WORDS: Readonly<Record<string, string>> = {
  connected: 'connected: the reply came back',
  refused: 'refused (a reset or ICMP unreachable came back)',
  timeout: 'timed out: no reply came back',
  unreachable: 'unreachable (no route, or ICMP host unreachable)',
  reply: 'a reply datagram came back',
  'no-reply': 'no reply datagram came back',
  error: 'failed',
};

function formatRules(trace: Trace): string[] {
  const source = trace.ruleSource;
  const lines = [`rules (${source.kind})`];
  if (source.kind !== 'nft-trace' && source.kind !== 'xtables-trace') lines.push(`  ${source.note}`);
  const first = trace.rules.filter((hit) => source.kind === 'legacy-counters' || hit.packet === 1);
  first.forEach((hit, index) => lines.push(formatRule(index + 1, hit, source.kind === 'legacy-counters')));
  const later = new Set(trace.rules.map((hit) => hit.packet).filter((packet) => packet > 1));
  if (source.kind !== 'legacy-counters' && later.size > 0) lines.push(`  (and ${later.size} later packet(s) of the flow; --json lists their rules)`);
  if (trace.rules.length === 0 && (source.kind === 'nft-trace' || source.kind === 'xtables-trace')) lines.push('  (no traced packet reached this namespace)');
  return lines;
}

function formatRule(index: number, hit: RuleHit, isCounter: boolean): string {
  const rule = hit.rule === '' ? '' : `  ${hit.rule}`;
  const counted = isCounter ? ` (+${hit.packet} packets)` : '';
  return `  ${String(index).padStart(2)}  ${hit.table} ${hit.chain}${rule}  => ${hit.verdict}${counted}`;
}

function formatConntrack(entries: readonly ConntrackEntry[]): string[] {
  const lines = ['conntrack'];
  if (entries.length === 0) lines.push('  no entry for this flow');
  for (const entry of entries) {
    const label = [entry.event === '' ? 'entry' : entry.event.toLowerCase(), entry.protocol, entry.state, ...entry.flags]
      .filter((word) => word !== '')
      .join(' ');
    lines.push(`  ${label}`, `    original  ${formatTuple(entry.original)}`, `    reply     ${formatTuple(entry.reply)}`);
    lines.push(
      `    ${entry.dnatTo === undefined ? 'not DNATed' : `DNAT to ${entry.dnatTo}`}; ${entry.snatTo === undefined ? 'not masqueraded' : `masqueraded (SNAT to ${entry.snatTo})`}`,
    );
  }
  return lines;
}

export function formatTrace(trace: Trace): string {
  const { flow, probe } = trace;
  const sport = probe.localPort === undefined ? '' : `:${probe.localPort}`;
  const lines = [
    `trace ${flow.protocol} ${flow.source}${sport} -> ${flow.destination}:${flow.port}   from ${trace.fromLabel} to ${trace.toLabel}`,
    `node namespace ${where(trace.nodeNetns)}: ${trace.dataplane}`,
    '',
    'hops',
    ...trace.hops.map((hop, index) => `  ${String(index + 1).padStart(2)}  ${where(hop.netns).padEnd(20)} ${hop.interface.padEnd(10)} ${hop.detail}`),
    '',
    ...formatRules(trace),
    '',
    ...formatConntrack(trace.conntrack),
    '',
    `probe: ${PROBE_WORDS[probe.outcome] ?? probe.outcome} in ${probe.elapsedMs} ms${probe.error === undefined ? '' : ` (${probe.error})`}`,
  ];
  if (!trace.cleanedUp) lines.push('warning: a temporary trace rule could not be removed; the next kpx trace removes it');
  return `${lines.join('\n')}\n`;
}
