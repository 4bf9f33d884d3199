// Pure: the rules (and chain policies) whose packet counters moved between two
// `iptables-legacy-save -c` dumps: what the legacy backend can say about one probe, since it
// has no trace events. Any other traffic in the namespace in between moves counters too.
import type { RuleHit } from './trace-types.ts';

interface Counted {
  readonly table: string;
  readonly chain: string;
  readonly rule: string;
  readonly verdict: string;
  readonly packets: number;
}

const RULE = /^\[(\d+):\d+\] -A (\S+)(.*)$/;
const POLICY = /^:(\S+) (\S+) \[(\d+):\d+\]$/;
const TARGET = / -([jg]) (\S+)/;

/** As the tracers say it: `jump X` / `goto X` to a chain of the table, else the target in lower case (`dnat`, `return`), `continue` without one. */
function verdictOf(ruleText: string, chains: ReadonlySet<string>): string {
  const target = TARGET.exec(ruleText);
  if (target === null) return 'continue';
  const [, flag = '', name = ''] = target;
  if (chains.has(name)) return `${flag === 'g' ? 'goto' : 'jump'} ${name}`;
  return name.toLowerCase();
}

/** Counters keyed by table, chain and rule text (with an index for repeated identical rules). */
function countersOf(saveText: string): Map<string, Counted> {
  const counters = new Map<string, Counted>();
  let table = '';
  // The table's chains, declared (`:NAME POLICY [p:b]`) before its rules.
  let chains = new Set<string>();
  for (const line of saveText.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      chains = new Set();
    }
    const rule = RULE.exec(line);
    const policy = POLICY.exec(line);
    let counted: Counted | undefined;
    if (policy !== null) chains.add(policy[1] ?? '');
    if (rule !== null) {
      const text = `-A ${rule[2] ?? ''}${rule[3] ?? ''}`;
      counted = { table, chain: rule[2] ?? '', rule: text, verdict: verdictOf(text, chains), packets: Number(rule[1]) };
    } else if (policy !== null && policy[2] !== '-') {
      counted = { table, chain: policy[1] ?? '', rule: '', verdict: `policy ${(policy[2] ?? '').toLowerCase()}`, packets: Number(policy[3]) };
    }
    if (counted === undefined) continue;
    let key = `${table}\n${counted.chain}\n${counted.rule}`;
    for (let repeat = 1; counters.has(key); repeat++) key = `${table}\n${counted.chain}\n${counted.rule}\n${repeat}`;
    counters.set(key, counted);
  }
  return counters;
}

/** The rules whose counters grew, in `after`'s order, each with how many packets it gained (as `packet`). */
export function diffCounters(before: string, after: string): RuleHit[] {
  const old = countersOf(before);
  const hits: RuleHit[] = [];
  for (const [key, now] of countersOf(after)) {
    const gained = now.packets - (old.get(key)?.packets ?? 0);
    if (gained > 0) hits.push({ packet: gained, table: now.table, chain: now.chain, rule: now.rule, verdict: now.verdict });
  }
  return hits;
}
