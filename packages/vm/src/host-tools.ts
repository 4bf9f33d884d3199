// Finding the host programs the harness runs, and running them (argv only, no shell).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { SYSTEM_BIN_DIRS } from './paths.ts';

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

export interface ToolRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a host tool to completion; never throws for a non-zero exit (the caller decides). */
export async function runTool(name: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<ToolRun> {
  const file = findTool(name) ?? name;
  const result = await execa(file, [...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    reject: false,
    env: { LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 10 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.exitCode === undefined) {
    throw new Error(`could not run ${name}: ${result.message}`);
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Runs a host tool and throws with its stderr unless it exits 0. */
export async function runToolOk(name: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<ToolRun> {
  const result = await runTool(name, args, options);
  if (result.exitCode !== 0) {
    throw new Error(`${name} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim().slice(-2000)}`);
  }
  return result;
}
