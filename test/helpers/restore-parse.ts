// Parses iptables-restore text into tables, chains and rules, for the chain checker and the
// packet tracer. Only the syntax kpx writes (and iptables-save prints) is understood.

export interface ParsedRule {
  readonly chain: string;
  /** Tokens after `-A CHAIN`, with quotes removed. */
  readonly args: readonly string[];
  /** The `-j`/`-g` target, if any. */
  readonly target: string | undefined;
  readonly isGoto: boolean;
  readonly line: number;
  /** The whole `-A …` line as written. */
  readonly text: string;
}

export interface ParsedTable {
  readonly name: string;
  /** Chains declared with `:NAME`, in order. */
  readonly declared: string[];
  readonly deleted: string[];
  readonly rules: ParsedRule[];
  committed: boolean;
}

export interface ParsedRestore {
  readonly tables: ParsedTable[];
  /** Syntax problems (lines outside a table, unknown commands, …). */
  readonly errors: string[];
}

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[1] ?? match[2] ?? '');
  return tokens;
}

export function parseRestore(text: string): ParsedRestore {
  const tables: ParsedTable[] = [];
  const errors: string[] = [];
  let current: ParsedTable | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    const lineNo = index + 1;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      if (current !== undefined && !current.committed) errors.push(`line ${lineNo}: table ${current.name} has no COMMIT`);
      current = { name: line.slice(1), declared: [], deleted: [], rules: [], committed: false };
      tables.push(current);
      continue;
    }
    if (current === undefined || current.committed) {
      errors.push(`line ${lineNo}: outside a table: ${line}`);
      continue;
    }
    if (line === 'COMMIT') current.committed = true;
    else if (line.startsWith(':')) current.declared.push(line.slice(1).split(' ')[0] ?? '');
    else if (line.startsWith('-X ')) current.deleted.push(line.slice(3).trim());
    else if (line.startsWith('-A ')) current.rules.push(parseRule(line, lineNo));
    else errors.push(`line ${lineNo}: unknown command: ${line}`);
  }
  if (current !== undefined && !current.committed) errors.push(`table ${current.name} has no COMMIT`);
  return { tables, errors };
}

function parseRule(line: string, lineNo: number): ParsedRule {
  const tokens = tokenize(line);
  const chain = tokens[1] ?? '';
  const args = tokens.slice(2);
  let target: string | undefined;
  let isGoto = false;
  for (let i = 0; i < args.length - 1; i++) {
    if (args[i] === '-j' || args[i] === '-g') {
      target = args[i + 1];
      isGoto = args[i] === '-g';
    }
  }
  return { chain, args, target, isGoto, line: lineNo, text: line };
}

/** The `-A` lines of one chain of one table, in order. */
export function chainRules(text: string, table: string, chain: string): string[] {
  const parsed = parseRestore(text).tables.find((candidate) => candidate.name === table);
  return (parsed?.rules ?? []).filter((rule) => rule.chain === chain).map((rule) => rule.text);
}

/** The chains one table declares, in order. */
export function declaredChains(text: string, table: string): string[] {
  return parseRestore(text).tables.find((candidate) => candidate.name === table)?.declared ?? [];
}

/** Chains of one table as the kernel holds them: name → rule lines. */
export type KernelTable = Map<string, string[]>;

/**
 * Applies restore text to an in-memory ruleset with `iptables-restore --noflush` semantics:
 * a `:CHAIN` line creates or flushes the chain, `-A` appends, `-X` deletes. Throws where the
 * kernel would refuse (rules in or jumps to a missing chain, deleting a referenced chain).
 */
export function applyRestore(kernel: Map<string, KernelTable>, text: string): void {
  const parsed = parseRestore(text);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.join('; '));
  for (const table of parsed.tables) {
    const chains = new Map(kernel.get(table.name) ?? []);
    for (const chain of table.declared) chains.set(chain, []);
    for (const rule of table.rules) {
      const rules = chains.get(rule.chain);
      if (rules === undefined) throw new Error(`${table.name}: no chain ${rule.chain}`);
      rules.push(rule.text.replace(/^-A \S+ ?/, ''));
    }
    for (const chain of table.deleted) chains.delete(chain);
    for (const [chain, rules] of chains) {
      for (const rule of rules) {
        const target = / -[jg] (\S+)/.exec(` ${rule}`)?.[1];
        if (target !== undefined && /^KUBE-/.test(target) && !chains.has(target)) {
          throw new Error(`${table.name}: ${chain} jumps to missing chain ${target}`);
        }
      }
    }
    kernel.set(table.name, chains);
  }
}
