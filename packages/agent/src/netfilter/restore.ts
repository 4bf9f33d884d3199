// iptables-restore and iptables-save, for every mode that writes netfilter rules through
// them: one `iptables-restore -w 5 --noflush --counters` call with a payload on stdin (into
// which a removal of stale chains can be spliced), and the save of one table.
//
// Each table of the payload commits atomically in the kernel (legacy and nft alike): a
// rejected line leaves that table, and every table after it, exactly as it was. Tables
// committed before the failing one are reported in the error so the caller can resync.
import { KpxError } from '../errors.ts';
import type { Exec, ExecResult } from '../sys/exec.ts';
import type { IptablesTools } from './backend-detect.ts';
import { isEmptyRemoval, removalHeadLines, removalTailLines, type ChainRemoval } from './chain-removal.ts';
import type { IptablesTable } from './jump-rule.ts';

export const RESTORE_WAIT_ARGS = ['-w', '5'] as const;
const RESTORE_ARGS = [...RESTORE_WAIT_ARGS, '--noflush', '--counters'] as const;
const CONTEXT_LINES = 3;

export interface RestoreFailure {
  /** The 1-based payload line iptables-restore named, when it named one. */
  readonly line: number | undefined;
  /** Lines line-3 … line+3, each as `NNN: text`, the failing one marked with `>`. */
  readonly excerpt: readonly string[];
  /** Tables whose COMMIT came before the failing line: those were applied. */
  readonly committedTables: readonly string[];
}

// "Error occurred at line: 8" (parse errors), "iptables-restore: line 3 failed" (legacy
// commit), "line 3: CHAIN_DEL failed (…)" (nft commit).
const FAILED_LINE = /\bline:?\s+(\d+)/;

/** Pure: where and why a restore failed, from its stderr and the payload it was given. */
export function parseRestoreFailure(stderr: string, payload: string): RestoreFailure {
  const match = FAILED_LINE.exec(stderr);
  if (match === null) return { line: undefined, excerpt: [], committedTables: [] };
  const line = Number(match[1]);
  const lines = payload.split('\n');
  const excerpt: string[] = [];
  for (let n = Math.max(1, line - CONTEXT_LINES); n <= Math.min(lines.length, line + CONTEXT_LINES); n += 1) {
    excerpt.push(`${n === line ? '>' : ' '}${String(n).padStart(6)}: ${lines[n - 1] ?? ''}`);
  }
  const committedTables: string[] = [];
  let table: string | undefined;
  for (let n = 1; n < line && n <= lines.length; n += 1) {
    const text = lines[n - 1] ?? '';
    if (text.startsWith('*')) table = text.slice(1).trim();
    else if (text.startsWith('COMMIT') && table !== undefined) committedTables.push(table);
  }
  return { line, excerpt, committedTables };
}

function sectionStart(payload: string, header: string): number {
  if (payload.startsWith(header)) return 0;
  const at = payload.indexOf(`\n${header}`);
  return at < 0 ? -1 : at + 1;
}

/**
 * Pure: `restoreText` with each table's removal spliced in (chain flushes and unlinks after
 * `*table`, deletions before its COMMIT); a table the text lacks gets its own section.
 */
export function composeRestorePayload(restoreText: string, removals: ReadonlyMap<string, ChainRemoval>): string {
  let payload = restoreText;
  for (const [table, removal] of removals) {
    if (isEmptyRemoval(removal)) continue;
    const head = removalHeadLines(removal).join('\n');
    const tail = removalTailLines(removal)
      .map((line) => `${line}\n`)
      .join('');
    const header = `*${table}\n`;
    const start = sectionStart(payload, header);
    if (start < 0) {
      const separator = payload === '' || payload.endsWith('\n') ? '' : '\n';
      payload = `${payload}${separator}${header}${head}\n${tail}COMMIT\n`;
      continue;
    }
    const afterHeader = start + header.length;
    const commit = payload.indexOf('\nCOMMIT', afterHeader - 1);
    if (commit < 0) throw new KpxError('KPX_ERR_RESTORE', `restore text has no COMMIT for table ${table}`, { context: { table } });
    payload = `${payload.slice(0, afterHeader)}${head}\n${payload.slice(afterHeader, commit + 1)}${tail}${payload.slice(commit + 1)}`;
  }
  return payload;
}

/** Pure: the chains `restoreText` declares (and so flushes), per table. */
export function declaredChains(restoreText: string): Map<string, Set<string>> {
  const declared = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  let at = 0;
  while (at < restoreText.length) {
    let end = restoreText.indexOf('\n', at);
    if (end < 0) end = restoreText.length;
    const first = restoreText[at];
    if (first === '*') {
      current = new Set();
      declared.set(restoreText.slice(at + 1, end).trim(), current);
    } else if (first === ':' && current !== undefined) {
      const space = restoreText.indexOf(' ', at);
      current.add(restoreText.slice(at + 1, space < 0 || space > end ? end : space));
    }
    at = end + 1;
  }
  return declared;
}

export async function saveTable(exec: Exec, tools: IptablesTools, table: IptablesTable): Promise<string> {
  const result = await exec({ file: tools.save, args: ['-t', table], timeoutMs: 600_000 });
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_EXEC', `${tools.save} -t ${table} failed`, {
      context: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 4000) },
    });
  }
  return result.stdout;
}

/** Runs iptables-restore with `payload`; resolves with the tool's duration, throws KPX_ERR_RESTORE. */
export async function runRestore(exec: Exec, tools: IptablesTools, payload: string, timeoutMs = 900_000): Promise<number> {
  let result: ExecResult;
  try {
    result = await exec({ file: tools.restore, args: RESTORE_ARGS, stdin: payload, timeoutMs });
  } catch (error) {
    // Killed (e.g. timed out) or not runnable: the kernel kept each table as it was.
    throw new KpxError('KPX_ERR_RESTORE', `${tools.restore} did not complete`, { cause: error, context: { timeoutMs } });
  }
  if (result.exitCode === 0) return result.durationMs;
  const failure = parseRestoreFailure(result.stderr, payload);
  const where = failure.line === undefined ? '' : ` at line ${failure.line}`;
  throw new KpxError('KPX_ERR_RESTORE', `${tools.restore} failed${where}`, {
    context: {
      exitCode: result.exitCode,
      line: failure.line,
      excerpt: failure.excerpt,
      committedTables: failure.committedTables,
      stderr: result.stderr.slice(0, 4000),
    },
  });
}
