// Running one nftables transaction: `nft -f -` with the text on stdin. nft commits the whole
// transaction or nothing; on a rejection its error names `/dev/stdin:LINE:COL`, which is
// mapped back to the statement (±2 lines) in the KpxError.
import { KpxError } from '../../errors.ts';
import type { Exec, ExecResult } from '../../sys/exec.ts';

export const NFT = 'nft';
const CONTEXT_LINES = 2;
const STDIN_LINE = /\/dev\/stdin:(\d+):/;

export interface NftFailure {
  readonly line: number | undefined;
  /** The failing statement. */
  readonly statement: string | undefined;
  readonly excerpt: readonly string[];
}

/** Pure: which statement nft rejected, from its stderr and the text it was given. */
export function parseNftFailure(stderr: string, text: string): NftFailure {
  const match = STDIN_LINE.exec(stderr);
  if (match === null) return { line: undefined, statement: undefined, excerpt: [] };
  const line = Number(match[1]);
  const lines = text.split('\n');
  const excerpt: string[] = [];
  for (let n = Math.max(1, line - CONTEXT_LINES); n <= Math.min(lines.length, line + CONTEXT_LINES); n += 1) {
    excerpt.push(`${n === line ? '>' : ' '}${String(n).padStart(6)}: ${lines[n - 1] ?? ''}`);
  }
  return { line, statement: lines[line - 1], excerpt };
}

/** Runs `nft -f -`; resolves with nft's duration, throws KPX_ERR_NFT. */
export async function runNftTransaction(exec: Exec, text: string, timeoutMs = 300_000): Promise<number> {
  let result: ExecResult;
  try {
    result = await exec({ file: NFT, args: ['-f', '-'], stdin: text, timeoutMs });
  } catch (error) {
    throw new KpxError('KPX_ERR_NFT', 'nft did not complete', { cause: error, context: { timeoutMs } });
  }
  if (result.exitCode === 0) return result.durationMs;
  throw rejection(result.exitCode, result.stderr, text);
}

/** KPX_ERR_NFT naming the statement nft's error points at. */
export function rejection(exitCode: number, stderr: string, text: string): KpxError {
  const failure = parseNftFailure(stderr, text);
  const where = failure.line === undefined ? '' : ` at line ${failure.line}`;
  return new KpxError('KPX_ERR_NFT', `nft rejected the transaction${where}`, {
    context: {
      exitCode,
      line: failure.line,
      statement: failure.statement,
      excerpt: failure.excerpt,
      stderr: stderr.slice(0, 4000),
    },
  });
}

/**
 * A transaction libnftables rejected, located: its error text names no line for a buffer, so
 * `nft --check -f -` (nothing committed) reads the same text again and names it.
 */
export async function locateRejection(exec: Exec, text: string, libError: string): Promise<KpxError> {
  const result = await exec({ file: NFT, args: ['--check', '-f', '-'], stdin: text, timeoutMs: 300_000 }).catch(() => undefined);
  if (result !== undefined && result.exitCode !== 0) return rejection(result.exitCode, result.stderr, text);
  return rejection(1, libError, text);
}

/** Runs one nft command (list, delete); a missing object is `undefined`, not an error. */
export async function runNftCommand(exec: Exec, args: readonly string[]): Promise<string | undefined> {
  const result = await exec({ file: NFT, args, timeoutMs: 120_000 });
  if (result.exitCode === 0) return result.stdout;
  if (/No such file or directory/.test(result.stderr)) return undefined;
  throw new KpxError('KPX_ERR_NFT', `nft ${args.join(' ')} failed`, { context: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 4000) } });
}
