// Structural checks on iptables-restore text, after upstream's checkIPTablesRuleJumps: a
// golden or a rendered plan must not jump to a chain it never created, must not create a
// per-service chain nobody uses, and must COMMIT every table.
import { parseRestore } from './restore-parse.ts';

/** Targets provided by iptables itself rather than by a chain. */
export const BUILTIN_TARGETS: ReadonlySet<string> = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'MARK', 'DNAT', 'SNAT', 'MASQUERADE', 'LOG']);

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP)-/;

export interface CheckChainsOptions {
  /**
   * Chains that already exist in the kernel (a partial sync jumps to unchanged services'
   * chains without declaring them), per table or for every table.
   */
  readonly existingChains?: Readonly<Record<string, readonly string[]>> | readonly string[];
}

/** Returns every problem found; an empty list means the text passed. */
export function checkChains(text: string, options: CheckChainsOptions = {}): string[] {
  const parsed = parseRestore(text);
  const problems = [...parsed.errors];
  for (const table of parsed.tables) {
    const existing = existingFor(options, table.name);
    const declared = new Set(table.declared);
    const deleted = new Set(table.deleted);
    const available = new Set([...declared, ...existing].filter((chain) => !deleted.has(chain)));
    const filled = new Set(table.rules.map((rule) => rule.chain));
    const jumped = new Set<string>();
    for (const rule of table.rules) {
      if (!declared.has(rule.chain) && !existing.has(rule.chain)) {
        problems.push(`${table.name}: rule added to undeclared chain ${rule.chain} (line ${rule.line})`);
      }
      if (rule.target === undefined || BUILTIN_TARGETS.has(rule.target)) continue;
      jumped.add(rule.target);
      if (!available.has(rule.target)) {
        problems.push(`${table.name}: ${rule.chain} jumps to undeclared chain ${rule.target} (line ${rule.line})`);
      } else if (declared.has(rule.target) && !filled.has(rule.target) && rule.target !== 'KUBE-NODEPORTS') {
        problems.push(`${table.name}: ${rule.chain} jumps to ${rule.target}, which has no rules (line ${rule.line})`);
      }
    }
    for (const chain of deleted) {
      if (!declared.has(chain)) problems.push(`${table.name}: ${chain} is deleted without being flushed first`);
      if (filled.has(chain)) problems.push(`${table.name}: ${chain} is deleted but gets rules`);
    }
    for (const chain of declared) {
      if (SERVICE_CHAIN.test(chain) && !deleted.has(chain) && !jumped.has(chain)) {
        problems.push(`${table.name}: ${chain} is declared but nothing jumps to it`);
      }
    }
  }
  return problems;
}

/** Throws with every problem listed when `text` fails checkChains. */
export function assertChainsValid(text: string, options: CheckChainsOptions = {}): void {
  const problems = checkChains(text, options);
  if (problems.length > 0) throw new Error(`invalid iptables-restore text:\n  ${problems.join('\n  ')}`);
}

function existingFor(options: CheckChainsOptions, table: string): Set<string> {
  const existing = options.existingChains;
  if (existing === undefined) return new Set();
  if (Array.isArray(existing)) return new Set(existing as readonly string[]);
  return new Set((existing as Readonly<Record<string, readonly string[]>>)[table] ?? []);
}
