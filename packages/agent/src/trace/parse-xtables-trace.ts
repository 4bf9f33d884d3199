// Pure: `xtables-monitor --trace` output (iptables on the nft backend) as rule hits. Lines are
// `PACKET: FAMILY ID …` (headers, skipped) and
// ` TRACE: FAMILY ID TABLE:CHAIN:rule:HANDLE:VERDICT[:TARGET]  -4 -t TABLE -A CHAIN …`,
// ` TRACE: FAMILY ID TABLE:CHAIN:policy:VERDICT` or `…:return:`. Packets are numbered in the
// order their ids first appear.
import type { RuleHit } from './trace-types.ts';

const TRACE = /^TRACE: \d+ ([0-9a-f]+) ([^:\s]+):([^:\s]+):(rule|policy|return)(?::(\S*))?\s*(.*)$/;
const PACKET = /^PACKET: \d+ ([0-9a-f]+) /;
// The family and table iptables-nft prints in front of the rule; the chain column says both.
const RULE_PREFIX = /^-[46] -t \S+ /;

// xtables-monitor names ACCEPT, DROP, CONTINUE, JUMP and GOTO, and prints any other verdict code
// as hex: a rule's -j RETURN is nftables' NFT_RETURN (-5), 0xfffffffb.
const VERDICT_CODES: Readonly<Record<string, string>> = {
  '0x0': 'drop',
  '0x1': 'accept',
  '0xffffffff': 'continue',
  '0xfffffffe': 'break',
  '0xfffffffb': 'return',
};

function verdictOf(kind: string, tail: string): string {
  if (kind === 'return') return 'return';
  const parts = tail.split(':').filter((part) => part !== '');
  // rule: HANDLE, VERDICT[, TARGET]; policy: VERDICT.
  const [verdict = '', target] = kind === 'rule' ? parts.slice(1) : parts;
  const word = VERDICT_CODES[verdict.toLowerCase()] ?? verdict.toLowerCase();
  const said = target === undefined ? word : `${word} ${target}`;
  return kind === 'policy' ? `policy ${said}` : said;
}

export function parseXtablesTrace(text: string): RuleHit[] {
  const packets = new Map<string, number>();
  const number = (id: string): number => {
    if (!packets.has(id)) packets.set(id, packets.size + 1);
    return packets.get(id) ?? 0;
  };
  const hits: RuleHit[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const packet = PACKET.exec(line);
    if (packet !== null) {
      number(packet[1] ?? '');
      continue;
    }
    const match = TRACE.exec(line);
    if (match === null) continue;
    const [, id = '', table = '', chain = '', kind = '', tail = '', rule = ''] = match;
    hits.push({ packet: number(id), table, chain, rule: rule.trim().replace(RULE_PREFIX, ''), verdict: verdictOf(kind, tail) });
  }
  return hits;
}
