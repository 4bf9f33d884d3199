// The traffic figures of one leg (the direct baseline or a mode), each from a bounded run of
// agent/traffic-client.ts inside a lab namespace.
import { fileURLToPath } from 'node:url';
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import type { LegFigures } from './report-types.ts';

const TRAFFIC_CLIENT = fileURLToPath(new URL('./agent/traffic-client.ts', import.meta.url));

export interface Target {
  /** TCP echo (request/response, new connections). */
  readonly echo: { readonly host: string; readonly port: number };
  /** TCP sink (throughput). */
  readonly sink: { readonly host: string; readonly port: number };
  readonly udp: { readonly host: string; readonly port: number };
}

export type TrafficTest = 'stream' | 'rr' | 'crr' | 'udp' | 'spread';

export async function runTrafficClient(exec: Exec, netns: string, test: TrafficTest, args: Readonly<Record<string, string | number>>): Promise<Record<string, unknown>> {
  const argv = [TRAFFIC_CLIENT, '--test', test, ...Object.entries(args).flatMap(([key, value]) => [`--${key}`, String(value)])];
  const result = await execOk(execInNetns(exec, netns), { file: process.execPath, args: argv, timeoutMs: 60_000 });
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  if (typeof parsed['error'] === 'string') throw new Error(`traffic test ${test} in ${netns}: ${parsed['error']}`);
  return parsed;
}

function numberField(result: Record<string, unknown>, field: string): number {
  const value = result[field];
  return typeof value === 'number' ? value : Number.NaN;
}

export interface MeasureOptions {
  readonly durationMs: number;
  readonly streams: number;
  /** Called before each test, for the progress display. */
  readonly onTest: (name: string, index: number, total: number) => void;
}

/** TCP throughput (1 and N streams), request/response latency, new connections/s, UDP round trips. */
export async function measureLeg(exec: Exec, clientNetns: string, target: Target, options: MeasureOptions): Promise<LegFigures> {
  const duration = { 'duration-ms': options.durationMs };
  const steps = ['TCP 1 stream', `TCP ${options.streams} streams`, 'TCP request/response', 'new connections', 'UDP round trips'];
  let step = 0;
  const next = (): void => options.onTest(steps[step] ?? '', step++, steps.length);
  next();
  const single = await runTrafficClient(exec, clientNetns, 'stream', { ...target.sink, ...duration, streams: 1 });
  next();
  const multi = await runTrafficClient(exec, clientNetns, 'stream', { ...target.sink, ...duration, streams: options.streams });
  next();
  const rr = await runTrafficClient(exec, clientNetns, 'rr', { ...target.echo, ...duration });
  next();
  const crr = await runTrafficClient(exec, clientNetns, 'crr', { ...target.echo, ...duration, concurrency: 4 });
  next();
  const udp = await runTrafficClient(exec, clientNetns, 'udp', { ...target.udp, ...duration });
  return {
    tcpGbit1: numberField(single, 'gbitPerSecond'),
    tcpGbitN: numberField(multi, 'gbitPerSecond'),
    rrP50Us: numberField(rr, 'p50Us'),
    rrP99Us: numberField(rr, 'p99Us'),
    connPerSecond: numberField(crr, 'perSecond'),
    udpP50Us: numberField(udp, 'p50Us'),
    udpP99Us: numberField(udp, 'p99Us'),
  };
}
