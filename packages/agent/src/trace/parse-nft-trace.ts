// Pure: `nft monitor trace` output as rule hits. Each traced packet has its own trace id;
// its lines name the family, table and chain, then `packet: …` (the headers, skipped),
// `rule RULE (verdict V)` (`unknown rule handle N (verdict V)` for a rule deleted since),
// `verdict V` or `policy V`. Packets are numbered in the order their
// ids first appear.
import type { RuleHit } from './trace-types.ts';

const LINE = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (rule|unknown rule|verdict|policy|packet:) ?(.*)$/;
const RULE_VERDICT = /^(.*) \(verdict ([^)]*)\)$/;

export function parseNftTrace(text: string): RuleHit[] {
  const packets = new Map<string, number>();
  const hits: RuleHit[] = [];
  for (const raw of text.split('\n')) {
    const match = LINE.exec(raw.trim());
    if (match === null) continue;
    const [, id = '', family = '', table = '', chain = '', kind = '', rest = ''] = match;
    if (!packets.has(id)) packets.set(id, packets.size + 1);
    if (kind === 'packet:') continue;
    const packet = packets.get(id) ?? 0;
    const where = { packet, table: `${family} ${table}`, chain };
    if (kind === 'rule' || kind === 'unknown rule') {
      const ruleMatch = RULE_VERDICT.exec(rest.trim());
      hits.push({ ...where, rule: (ruleMatch?.[1] ?? rest).trim(), verdict: ruleMatch?.[2] ?? '' });
    } else if (kind === 'policy') {
      hits.push({ ...where, rule: '', verdict: `policy ${rest.trim()}` });
    } else {
      hits.push({ ...where, rule: '', verdict: rest.trim() });
    }
  }
  return hits;
}
