// Long-running children of the lab (pod servers, kpx run daemons, probers): argv only, their
// stdout and stderr lines collected, awaitable, and all killed by one call on teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { lineSplitter } from '@kpx/agent/lines.ts';

export interface LabProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  /** stderr, and stdout lines that are not awaited by anyone, capped. */
  output(): string;
  /** Resolves with the first line (from index `from`) that matches; rejects on exit or timeout. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number, from?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export class ProcessGroup {
  private readonly processes = new Set<LabProcess>();

  /** `ip netns exec NETNS file args…`, or file args… in kpx's own namespace when netns is ''. */
  start(label: string, netns: string, file: string, args: readonly string[]): LabProcess {
    const argv = netns === '' ? [file, ...args] : ['ip', 'netns', 'exec', netns, file, ...args];
    const [command = 'ip', ...rest] = argv;
    const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    const group = this.processes;
    const lines: string[] = [];
    let stderr = '';
    let waiters: (() => void)[] = [];
    const wake = (): void => {
      const current = waiters;
      waiters = [];
      for (const waiter of current) waiter();
    };
    const splitLines = lineSplitter((line) => lines.push(line));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      splitLines(chunk);
      wake();
    });
    // kpx run logs on stderr, as kube-proxy: its lines are awaitable too.
    const splitErrorLines = lineSplitter((line) => lines.push(line));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64_000) stderr += chunk.toString();
      splitErrorLines(chunk.toString());
      wake();
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', wake);
    child.once('error', (error) => {
      stderr += String(error);
      wake();
    });
    const proc: LabProcess = {
      label,
      child,
      lines,
      output: () => `${stderr}${lines.slice(-20).join('\n')}`,
      async waitForLine(predicate, timeoutMs, from = 0) {
        const deadline = performance.now() + timeoutMs;
        for (let index = from; ;) {
          for (; index < lines.length; index++) {
            const line = lines[index];
            if (line !== undefined && predicate(line)) return line;
          }
          if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(`${label} exited (${child.exitCode ?? child.signalCode}): ${proc.output().slice(-2000)}`);
          const left = deadline - performance.now();
          if (left <= 0) throw new Error(`${label}: timed out after ${timeoutMs} ms: ${proc.output().slice(-2000)}`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      },
      async stop(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
        group.delete(proc);
      },
    };
    group.add(proc);
    return proc;
  }

  /** Kills every process still running (SIGKILL) and waits for them. */
  async killAll(): Promise<void> {
    const running = [...this.processes];
    this.processes.clear();
    await Promise.all(
      running.map(async (proc) => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
        proc.child.kill('SIGKILL');
        await exited;
      }),
    );
  }
}
