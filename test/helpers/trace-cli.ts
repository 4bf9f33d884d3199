// The real `kpx trace --json` CLI (bin/kpx.mjs) for the trace e2e tests, and what a node
// namespace holds of netfilter, read before and after a trace to show that it left nothing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import type { Trace } from '@kpx/agent/trace/trace-types.ts';

const KPX = fileURLToPath(new URL('../../bin/kpx.mjs', import.meta.url));

export interface TraceRun {
  readonly trace: Trace;
  /** Wall time of the whole command, ms. */
  readonly elapsedMs: number;
}

/** Runs `kpx trace ARGS --json`; fails on a non-zero exit. */
export async function runKpxTrace(args: readonly string[]): Promise<TraceRun> {
  const started = performance.now();
  const result = await realExec({ file: process.execPath, args: [KPX, 'trace', ...args, '--json'], timeoutMs: 30_000 });
  const elapsedMs = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`kpx trace ${args.join(' ')} exited ${result.exitCode}:\n${result.stderr}${result.stdout}`);
  return { trace: JSON.parse(result.stdout) as Trace, elapsedMs };
}

const withoutCounters = (text: string): string =>
  text
    .replace(/\bcounter packets \d+ bytes \d+/g, 'counter')
    .replace(/\[\d+:\d+\]/g, '[0:0]')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');

/**
 * `nft list ruleset` without the elements of dynamic sets: those are traffic's state (the
 * hairpin pairs and affinity sources packets add, with their expiry), not rules.
 */
function withoutDynamicElements(ruleset: string): string {
  const kept: string[] = [];
  let dynamic = false;
  let skipping = false;
  for (const line of ruleset.split('\n')) {
    if (/^\s*(set|map) \S+ \{$/.test(line)) dynamic = false;
    if (/^\s*flags .*\bdynamic\b/.test(line)) dynamic = true;
    if (dynamic && /^\s*elements = \{/.test(line)) skipping = true;
    if (!skipping) kept.push(line);
    if (skipping && /\}\s*$/.test(line)) skipping = false;
  }
  return kept.join('\n');
}

/**
 * Every netfilter rule in the namespace `exec` runs in, counters stripped: `nft list ruleset`
 * (nftables and iptables-nft's tables; dynamic sets' elements left out), `iptables-nft-save`
 * and `iptables-legacy-save`.
 */
export async function netfilterSnapshot(exec: Exec): Promise<{ readonly nft: string; readonly iptablesNft: string; readonly iptablesLegacy: string }> {
  const nft = await execOk(exec, { file: 'nft', args: ['list', 'ruleset'] });
  const iptablesNft = await execOk(exec, { file: 'iptables-nft-save', args: [] });
  const iptablesLegacy = await execOk(exec, { file: 'iptables-legacy-save', args: [] });
  return {
    nft: withoutCounters(withoutDynamicElements(nft.stdout)),
    iptablesNft: withoutCounters(iptablesNft.stdout),
    iptablesLegacy: withoutCounters(iptablesLegacy.stdout),
  };
}

export interface RunningTrace {
  /** Sends `signal` to the CLI. */
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ readonly code: number | null; readonly stderr: string }>;
}

/** Starts `kpx trace ARGS --json` without waiting for it. */
export function spawnKpxTrace(args: readonly string[]): RunningTrace {
  const child = spawn(process.execPath, [KPX, 'trace', ...args, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { kill: (signal) => child.kill(signal), exited };
}
