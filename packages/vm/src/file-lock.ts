// A machine-wide exclusive lock held by a `flock` child process: the kernel
// releases it when that process ends, so a crashed or killed test run never
// leaves a stale lock behind (which a pid-file or mkdir lock would).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const LOCKED_LINE = 'locked';

/** Runs `work` while holding an exclusive flock(1) on `lockFile`, waiting up to `waitMs` for it. */
export async function withFileLock<T>(lockFile: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const waitSeconds = String(Math.max(1, Math.ceil(waitMs / 1000)));
  // The -c text is a constant; the lock path travels as argv, never through a shell.
  const holder = spawn('flock', ['--exclusive', '--wait', waitSeconds, lockFile, '-c', `echo ${LOCKED_LINE}; exec cat`], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    await waitForLock(holder, lockFile);
    return await work();
  } finally {
    holder.stdin.end();
    holder.kill();
  }
}

function waitForLock(holder: ReturnType<typeof spawn>, lockFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    holder.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(LOCKED_LINE)) resolve();
    });
    holder.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    holder.on('error', (error) => reject(new Error(`cannot run flock (util-linux) for ${lockFile}`, { cause: error })));
    holder.on('exit', (code) => reject(new Error(`could not lock ${lockFile} (flock exited ${code}): ${stderr.trim()}`)));
  });
}
