// The one way kpx runs external programs: argv and stdin, never a shell.
import { execa } from 'execa';
import { KpxError } from '../errors.ts';

export interface ExecRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly stdin?: string;
  readonly timeoutMs?: number;
  /** The working directory; kpx's own when absent. */
  readonly cwd?: string;
  /** Variables set on top of the inherited environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Runs a command to completion; resolves with its exit code whatever it is. */
export type Exec = (request: ExecRequest) => Promise<ExecResult>;

export const realExec: Exec = async (request) => {
  const started = performance.now();
  try {
    const result = await execa(request.file, [...request.args], {
      input: request.stdin ?? '',
      cwd: request.cwd,
      env: request.env,
      reject: false,
      timeout: request.timeoutMs ?? 60_000,
      stripFinalNewline: false,
      maxBuffer: 512 * 1024 * 1024,
    });
    if (result.failed && result.exitCode === undefined) {
      throw new KpxError('KPX_ERR_EXEC', `could not run ${request.file}`, {
        cause: result.cause ?? result.message,
        context: { file: request.file, args: request.args },
      });
    }
    return {
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      durationMs: performance.now() - started,
    };
  } catch (error) {
    if (error instanceof KpxError) throw error;
    throw new KpxError('KPX_ERR_EXEC', `could not run ${request.file}`, { cause: error, context: { file: request.file } });
  }
};

/** Runs a command and throws KPX_ERR_EXEC unless it exits 0. */
export async function execOk(exec: Exec, request: ExecRequest): Promise<ExecResult> {
  const result = await exec(request);
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_EXEC', `${request.file} exited ${result.exitCode}`, {
      context: { file: request.file, args: request.args, stderr: result.stderr.slice(0, 4000) },
    });
  }
  return result;
}

// `ip netns exec NAME file …` reports a program it cannot find this way (exit status 1 or 255).
const NOT_FOUND_IN_NETNS = /^exec of "[^"]*" failed: No such file or directory/m;

/**
 * Runs a command unless its program is not installed (here, or inside the namespace an
 * execInNetns wrapper names): then resolves undefined. Any other outcome is the result.
 */
export async function execIfPresent(exec: Exec, request: ExecRequest): Promise<ExecResult | undefined> {
  let result: ExecResult;
  try {
    result = await exec(request);
  } catch (error) {
    if (error instanceof KpxError && error.code === 'KPX_ERR_EXEC' && isNotFound(error.cause)) return undefined;
    throw error;
  }
  return result.exitCode !== 0 && NOT_FOUND_IN_NETNS.test(result.stderr) ? undefined : result;
}

function isNotFound(cause: unknown): boolean {
  return typeof cause === 'object' && cause !== null && (cause as NodeJS.ErrnoException).code === 'ENOENT';
}
