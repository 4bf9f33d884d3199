// Reading `iptables-save` output. Pure.
import type { IptablesTable } from './jump-rule.ts';

export const BUILTIN_CHAINS: ReadonlySet<string> = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export interface SavedRule {
  readonly chain: string;
  /** The rule as iptables-save printed it, starting with `-A `. */
  readonly line: string;
  /** The `-j`/`-g` target, when there is one. */
  readonly target: string | undefined;
}

export interface SavedTable {
  readonly table: string;
  /** Chain names in the order printed (built-in chains included). */
  readonly chains: readonly string[];
  readonly rules: readonly SavedRule[];
}

/** The target of a rule line: the token after its last ` -j ` or ` -g `. */
export function ruleTarget(line: string): string | undefined {
  const at = Math.max(line.lastIndexOf(' -j '), line.lastIndexOf(' -g '));
  if (at < 0) return undefined;
  const rest = line.slice(at + 4).trimStart();
  const end = rest.indexOf(' ');
  return end < 0 ? rest : rest.slice(0, end);
}

function chainOfRule(line: string): string {
  const end = line.indexOf(' ', 3);
  return end < 0 ? line.slice(3) : line.slice(3, end);
}

/**
 * Parses iptables-save output into tables. `keepRules(chain)` says whose rules to keep:
 * a 10k-service nat table has ~400k rule lines, and most callers need only a few.
 */
export function parseSaveText(text: string, keepRules: (chain: string) => boolean = () => true): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let current: { table: string; chains: string[]; rules: SavedRule[] } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      current = { table: line.slice(1).trim(), chains: [], rules: [] };
      tables.set(current.table, current);
    } else if (current === undefined) {
      continue;
    } else if (line.startsWith(':')) {
      const end = line.indexOf(' ');
      current.chains.push(end < 0 ? line.slice(1) : line.slice(1, end));
    } else if (line.startsWith('-A ')) {
      const chain = chainOfRule(line);
      if (keepRules(chain)) current.rules.push({ chain, line, target: ruleTarget(line) });
    } else if (line.startsWith('COMMIT')) {
      current = undefined;
    }
  }
  return tables;
}

export function emptyTable(table: IptablesTable): SavedTable {
  return { table, chains: [], rules: [] };
}

const COMMENT = /\s--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))/;

/** The `-m comment` text of a rule line, unquoted. */
export function ruleComment(line: string): string | undefined {
  const match = COMMENT.exec(line);
  if (match === null) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}
