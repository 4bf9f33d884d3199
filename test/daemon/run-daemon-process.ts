// `kpx run` as a real child process for the daemon tests: its JSON log lines collected and
// awaitable (it runs with --logging-format=json -v=2, so that the per-sync V(2) lines are
// there; a later -v in `args` wins), its exit awaitable, and an owned network namespace for it
// to program.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';

const KPX = fileURLToPath(new URL('../../bin/kpx.mjs', import.meta.url));

export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string };

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** Everything written to stdout/stderr that is not a JSON log line (in stream order per stream). */
  readonly text: () => string;
  /** Resolves with the first log line (after those already seen, from `from`) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, options?: { timeoutMs?: number; from?: number }): Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export const LOG_ARGS: readonly string[] = ['--logging-format=json', '-v=2'];

export function spawnKpxRun(args: readonly string[], env: Readonly<Record<string, string>> = {}): DaemonProcess {
  const child = spawn(process.execPath, [KPX, 'run', ...LOG_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const logs: LogLine[] = [];
  let text = '';
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const current = waiters;
    waiters = [];
    for (const waiter of current) waiter();
  };
  const collect = (stream: NodeJS.ReadableStream): void => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          text += `${line}\n`;
        }
        newline = buffered.indexOf('\n');
      }
      wake();
    });
    stream.on('end', () => {
      if (buffered !== '') text += buffered;
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      wake();
      resolve({ code, signal });
    });
  });
  return {
    child,
    logs,
    text: () => text,
    async waitForLog(predicate, options = {}) {
      const deadline = performance.now() + (options.timeoutMs ?? 15_000);
      for (let index = options.from ?? 0; ;) {
        for (; index < logs.length; index++) {
          const line = logs[index];
          if (line !== undefined && predicate(line)) return line;
        }
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(
            `kpx run exited (${child.exitCode ?? child.signalCode}) before the expected log line:\n${text}${JSON.stringify(logs.slice(-20), null, 1)}`,
          );
        const left = deadline - performance.now();
        if (left <= 0)
          throw new Error(
            `timed out waiting for a log line; last lines:\n${text}${logs
              .slice(-15)
              .map((line) => JSON.stringify(line))
              .join('\n')}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A fresh, empty network namespace owned by the calling test. */
export async function createTestNetns(name: string): Promise<{ readonly name: string; iptablesSave(): Promise<string>; remove(): Promise<void> }> {
  await addNetns(realExec, name);
  const exec = execInNetns(realExec, name);
  return {
    name,
    async iptablesSave() {
      const legacy = await execOk(exec, { file: 'iptables-legacy-save', args: [] });
      const nft = await execOk(exec, { file: 'iptables-nft-save', args: [] });
      return `${legacy.stdout}${nft.stdout}`;
    },
    remove: () => deleteNetns(realExec, name),
  };
}

/** iptables-save text reduced to kpx's rule and chain lines, without counters: comparable across runs. */
export function kpxRules(saveText: string): string[] {
  return saveText
    .split('\n')
    .filter((line) => /KUBE-/.test(line))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .sort();
}

const PROBER = fileURLToPath(new URL('./run-traffic-prober.ts', import.meta.url));

export interface ProbeSample {
  /** ms since the epoch. */
  readonly t: number;
  readonly pod?: string;
  readonly error?: string;
}

export interface JsonLinesProcess<Sample> {
  readonly samples: Sample[];
  stop(): Promise<void>;
}

export type RunningProber = JsonLinesProcess<ProbeSample>;

/** Runs `node script …args` inside `netns`; each JSON line it prints accumulates until stop(). */
export function startJsonLinesInNetns<Sample>(netns: string, script: string, args: readonly string[]): JsonLinesProcess<Sample> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const samples: Sample[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line !== '') samples.push(JSON.parse(line) as Sample);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    samples,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts run-traffic-prober.ts inside `netns`; samples accumulate until stop(). */
export function startProber(netns: string, args: readonly string[]): RunningProber {
  return startJsonLinesInNetns<ProbeSample>(netns, PROBER, args);
}

/** Resolves once a sample after `sinceMs` satisfies `accept`; rejects after `timeoutMs`. */
export async function waitForSample(prober: RunningProber, sinceMs: number, accept: (sample: ProbeSample) => boolean, timeoutMs = 5_000): Promise<ProbeSample> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = prober.samples.find((sample) => sample.t >= sinceMs && accept(sample));
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(`no matching sample within ${timeoutMs} ms; last: ${JSON.stringify(prober.samples.slice(-5))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
