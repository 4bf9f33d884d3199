// Finding the host programs the harness runs, and running them through src/sys/exec.ts.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { realExec, type ExecResult } from '@kpx/agent/sys/exec.ts';
import { SYSTEM_BIN_DIRS } from './paths.ts';

/** Tool output the harness parses stays in English; apt never asks. */
const TOOL_ENV = { LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' };
/** Long enough for apt-get to fetch a kernel package over a slow mirror. */
const TOOL_TIMEOUT_MS = 10 * 60_000;

/** The absolute path of `name` on PATH or in the system bin folders, if it is there. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SYSTEM_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Runs a host tool to completion; never throws for a non-zero exit (the caller decides), KPX_ERR_EXEC when it cannot run. */
export function runTool(name: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<ExecResult> {
  const file = findTool(name) ?? name;
  return realExec({ file, args, stdin: options.input, cwd: options.cwd, env: TOOL_ENV, timeoutMs: TOOL_TIMEOUT_MS });
}

/** Runs a host tool and throws with its stderr unless it exits 0. */
export async function runToolOk(name: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<ExecResult> {
  const result = await runTool(name, args, options);
  if (result.exitCode !== 0) {
    throw new Error(`${name} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim().slice(-2000)}`);
  }
  return result;
}
