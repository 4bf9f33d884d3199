// A long-running watcher (`nft monitor trace`, `xtables-monitor --trace`, `conntrack -E`)
// started in a network namespace for the length of one probe, then stopped by its own pid.
// sys/exec.ts runs commands to completion; a monitor has to be stopped, so it is spawned here.
import { spawn, type ChildProcess } from 'node:child_process';
import { assertNetnsName } from '../sys/netns.ts';

export interface Monitor {
  /** Stops the watcher (SIGTERM, then SIGKILL) and resolves with all it printed. */
  stop(): Promise<string>;
}

// The watchers print no "ready" line; their netlink subscription is in place well within this.
const SUBSCRIBE_MS = 300;
const KILL_AFTER_MS = 2_000;

function argvIn(netns: string, file: string, args: readonly string[]): [string, string[]] {
  if (netns === '') return [file, [...args]];
  assertNetnsName(netns);
  return ['ip', ['netns', 'exec', netns, file, ...args]];
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts `file args…` in `netns` ('' for here); resolves once it has had time to subscribe. Rejects if it cannot start. */
export async function startMonitor(netns: string, file: string, args: readonly string[]): Promise<Monitor> {
  const [command, argv] = argvIn(netns, file, args);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, SUBSCRIBE_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited ${code ?? 'on a signal'} at once: ${errors.trim().split('\n')[0] ?? ''}`));
    });
  });
  return {
    async stop() {
      child.removeAllListeners('exit');
      const exited = waitForExit(child);
      child.kill('SIGTERM');
      await exited;
      return output;
    },
  };
}
