// The traffic figures of one leg (the direct baseline or a mode) with the standard tools, each
// test --repeat times, each with what it cost (cpu-cost.ts). A test that fails is a gap with
// its reason, not a zero. kpx's own prober (agent/traffic-client.ts) remains for the endpoint
// spread and API-change checks, which no standard tool measures.
import { fileURLToPath } from 'node:url';
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { readRssMb, withCost, type FigureCost } from './cpu-cost.ts';
import { summarizeSamples } from './figure-stats.ts';
import { COST_FIGURES, TRAFFIC_FIGURES, type FigureName, type LabSample, type LegFigures } from './report-types.ts';
import { runIperf3Tcp, runIperf3Udp, runWrk, STATIC_FILE } from './standard-tools.ts';

const TRAFFIC_CLIENT = fileURLToPath(new URL('./agent/traffic-client.ts', import.meta.url));

/** Where the bench pod's iperf3 and nginx are reached: its own address, or the service VIP. */
export interface Target {
  readonly host: string;
  readonly iperfPort: number;
  readonly httpPort: number;
}

export type TrafficTest = 'spread';

export async function runTrafficClient(
  exec: Exec,
  netns: string,
  test: TrafficTest,
  args: Readonly<Record<string, string | number>>,
): Promise<Record<string, unknown>> {
  const argv = [TRAFFIC_CLIENT, '--test', test, ...Object.entries(args).flatMap(([key, value]) => [`--${key}`, String(value)])];
  const result = await execOk(execInNetns(exec, netns), { file: process.execPath, args: argv, timeoutMs: 60_000 });
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  if (typeof parsed['error'] === 'string') throw new Error(`traffic test ${test} in ${netns}: ${parsed['error']}`);
  return parsed;
}

export interface MeasureOptions {
  readonly seconds: number;
  readonly streams: number;
  readonly repeat: number;
  readonly wrkScript: string;
  /** The kpx daemons whose CPU and memory the leg reports (none for the direct leg). */
  readonly kpxPids: readonly number[];
  /** Called before each test, for the progress display. */
  readonly onTest: (name: string, index: number, total: number) => void;
}

interface TestSpec {
  readonly name: string;
  readonly run: () => Promise<Partial<Record<FigureName, number>>>;
}

function testsFor(exec: Exec, netns: string, target: Target, options: MeasureOptions): TestSpec[] {
  const { seconds } = options;
  const url = `http://${target.host}:${target.httpPort}/${STATIC_FILE}`;
  return [
    {
      name: 'iperf3 TCP 1 stream',
      run: async () => {
        const r = await runIperf3Tcp(exec, netns, target.host, target.iperfPort, { seconds });
        return { tcpGbit1: r.gbitPerSecond, tcpRetrans1: r.retransmits };
      },
    },
    {
      name: `iperf3 TCP ${options.streams} streams`,
      run: async () => {
        const r = await runIperf3Tcp(exec, netns, target.host, target.iperfPort, { seconds, streams: options.streams });
        return { tcpGbitN: r.gbitPerSecond, tcpRetransN: r.retransmits };
      },
    },
    {
      name: 'iperf3 UDP -b 0',
      run: async () => {
        const r = await runIperf3Udp(exec, netns, target.host, target.iperfPort, { seconds });
        return { udpGbit: r.gbitPerSecond, udpJitterMs: r.jitterMs, udpLossPct: r.lossPercent };
      },
    },
    {
      name: 'wrk keep-alive',
      run: async () => {
        const r = await runWrk(exec, netns, url, options.wrkScript, { seconds, connections: 8, closeEach: false });
        return { httpRps: r.requestsPerSecond, httpP50Us: r.p50Us, httpP99Us: r.p99Us };
      },
    },
    {
      name: 'wrk Connection: close',
      run: async () => {
        const r = await runWrk(exec, netns, url, options.wrkScript, { seconds, connections: 4, closeEach: true });
        return { httpCloseRps: r.requestsPerSecond, httpCloseP50Us: r.p50Us, httpCloseP99Us: r.p99Us };
      },
    },
  ];
}

export interface LegMeasurement {
  readonly figures: LegFigures;
  readonly spread: Partial<Record<FigureName, number | null>>;
  readonly samples: readonly Omit<LabSample, 'network' | 'leg'>[];
  readonly gaps: readonly { readonly figure: string; readonly reason: string }[];
}

const costSamples = (cost: FigureCost): Partial<Record<FigureName, number>> => ({
  nodeUserPct: cost.nodeUserPct,
  nodeSystemPct: cost.nodeSystemPct,
  nodeSoftirqPct: cost.nodeSoftirqPct,
  kpxCpuPct: cost.kpxCpuPct,
  kpxRssLoadMb: cost.kpxRssMb,
});

/** Every test of the leg, --repeat times, from `clientNetns` to `target`. */
export async function measureLeg(exec: Exec, clientNetns: string, target: Target, options: MeasureOptions): Promise<LegMeasurement> {
  const tests = testsFor(exec, clientNetns, target, options);
  const samples: Omit<LabSample, 'network' | 'leg'>[] = [];
  const gaps: { figure: string; reason: string }[] = [];
  const push = (repeat: number, values: Partial<Record<FigureName, number>>): void => {
    for (const [figure, value] of Object.entries(values)) samples.push({ figure: figure as FigureName, repeat, value: Number.isFinite(value) ? value : null });
  };
  push(0, { kpxRssIdleMb: await readRssMb(options.kpxPids) });
  const total = tests.length * options.repeat;
  for (let repeat = 0; repeat < options.repeat; repeat++) {
    for (const [index, test] of tests.entries()) {
      options.onTest(options.repeat > 1 ? `${test.name} (run ${repeat + 1} of ${options.repeat})` : test.name, repeat * tests.length + index, total);
      try {
        const { result, cost } = await withCost(options.kpxPids, options.seconds * 1000, test.run);
        push(repeat, { ...result, ...costSamples(cost) });
      } catch (error) {
        gaps.push({ figure: test.name, reason: (error instanceof Error ? error.message : String(error)).slice(0, 300) });
      }
    }
  }
  const { figures, spread } = summarizeSamples(
    samples.map((s) => ({ ...s, network: '', leg: '' })),
    [...TRAFFIC_FIGURES, ...COST_FIGURES],
  );
  return { figures, spread, samples, gaps };
}
