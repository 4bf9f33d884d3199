// nftables sync benchmark: the real planner and the real `nft -f -`, in a throwaway network
// namespace, for N services × E endpoints. Needs root and nft (and iptables-legacy-restore for
// the yardstick). Prints, per step, kpx's own time (plan + text), nft's time and the total:
//   - a first full sync (the table replaced), a full resync over it (flush + rewrite),
//   - a partial sync after one endpoint of one service went away, and one adding a new service:
//     each --repeat times, alternating with the reverse change; each forward transaction is
//     also run once more as a bare `ip netns exec NS nft -f -` on the same table state (the
//     floor kpx's partial sync is compared with; the libnftables engine sends no text through a
//     process, so its rows are compared with the nft engine's bare runs). The first round of "one endpoint less" is
//     shown apart: it writes the shared dispatch chain for a new endpoint count.
//   - the yardstick: the same cluster rendered by the iptables mode, restored by
//     iptables-legacy-restore into a second throwaway namespace (--no-iptables skips it).
// Peak RSS: kpx's own (this process) and nft's for the full resync.
//
// Each engine (--engines nft,libnftables) runs every step in its own namespace.
//
//   node bench/sync/nftables.bench.ts [--services 10000] [--endpoints 10] [--repeat 5] [--engines nft,libnftables] [--no-iptables]
import { diffStates } from '@kpx/agent/diff/diff-states.ts';
import { parseArgs } from 'node:util';
import type { ChangeSet } from '@kpx/agent/diff/change-set.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import { openIptablesDataplane } from '@kpx/agent/modes/iptables/dataplane.ts';
import { planIptables } from '@kpx/agent/modes/iptables/plan.ts';
import { openNftablesDataplane, type NftEngine } from '@kpx/agent/modes/nftables/dataplane.ts';
import { transactionText } from '@kpx/agent/modes/nftables/format.ts';
import { createNftablesPlanner } from '@kpx/agent/modes/nftables/plan.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { dataplaneSettings } from '../../test/helpers/dataplane-settings.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../test/helpers/state-builders.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '5' },
    engines: { type: 'string', default: 'nft,libnftables' },
    'no-iptables': { type: 'boolean', default: false },
  },
});
const services = Number(values.services);
const endpoints = Number(values.endpoints);
const repeat = Math.max(2, Number(values.repeat));

const quad = (base: number, index: number): string => `10.${base + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

function servicePort(index: number, endpointCount = endpoints): ServicePort {
  return makeServicePort(`ns${index % 100}`, `svc${index}`, 'http', (port) => {
    port.clusterIP = quad(96, index);
    port.endpoints = Array.from({ length: endpointCount }, (_, e) => makeEndpoint(quad(128, index * endpoints + e), 8080));
  });
}

const node = makeNodeContext((context) => {
  context.nodeIPs = ['10.250.0.10'];
  context.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.128.0.0/9'] };
});
const ports = Array.from({ length: services }, (_, index) => servicePort(index));
const full = makeState(ports, node);
const changedPorts = [...ports];
changedPorts[services >> 1] = servicePort(services >> 1, endpoints - 1);
const oneEndpointLess = makeState(changedPorts, node);
const withNew = makeState([...ports, servicePort(services)], node);

const median = (samples: readonly number[]): number => [...samples].sort((a, b) => a - b)[samples.length >> 1]!;
const ms = (value: number): string => value.toFixed(1).padStart(8);
const rows: string[][] = [['engine', 'step', 'kpx ms', 'nft ms', 'total ms', 'bare nft -f ms', 'total / bare', 'statements']];
let engine: NftEngine = 'nft';
/** Bare `nft -f` medians by step, from the nft engine's run. */
const bareByStep = new Map<string, number>();
const row = (step: string, kpxMs: number, nftMs: number, totalMs: number, bareMs: number | undefined, statements: number): void => {
  rows.push([
    engine,
    step,
    ms(kpxMs),
    ms(nftMs),
    ms(totalMs),
    bareMs === undefined ? '' : ms(bareMs),
    bareMs === undefined ? '' : (totalMs / bareMs).toFixed(2),
    statements > 0 ? String(statements) : '',
  ]);
};

let iptablesRestoreMs: number | undefined;
let nftPeakKb = 0;
let fullTotalMs = 0;

interface Step {
  readonly kpxMs: number;
  readonly nftMs: number;
  readonly totalMs: number;
  /** What went to `nft -f -` (the nft engine only). */
  readonly text: string;
}

interface Bench {
  readonly netns: string;
  readonly planner: ReturnType<typeof createNftablesPlanner>;
  sync(state: DesiredState, changed?: ChangeSet): Promise<Step>;
  /** The same text as a bare `ip netns exec NS nft -f -`. */
  bare(text: string): Promise<number>;
  close(): Promise<void>;
}

async function withNetns(name: string, body: (netns: string) => Promise<void>): Promise<void> {
  await addNetns(realExec, name);
  try {
    await body(name);
  } finally {
    await deleteNetns(realExec, name);
  }
}

async function openBench(netns: string): Promise<Bench> {
  const sent: string[] = [];
  const recording: Exec = (request) => {
    if (request.stdin !== undefined) sent.push(request.stdin);
    return realExec(request);
  };
  const dataplane = openNftablesDataplane(
    { exec: recording, clock: { now: () => performance.now() }, log: silentLogger() },
    { netns, ipFamily: 'IPv4', engine },
  );
  await dataplane.setup();
  const planner = createNftablesPlanner({});
  const inNetns = execInNetns(realExec, netns);
  return {
    netns,
    planner,
    // kpx's time is the whole minus nft's: plan, text, the dataplane's bookkeeping.
    async sync(state, changed) {
      const started = performance.now();
      const report = await dataplane.apply(planner(state, changed));
      const totalMs = performance.now() - started;
      return { kpxMs: totalMs - report.toolMs, nftMs: report.toolMs, totalMs, text: engine === 'nft' ? (sent.at(-1) ?? '') : '' };
    },
    async bare(text) {
      const started = performance.now();
      await execOk(inNetns, { file: 'nft', args: ['-f', '-'], stdin: text });
      return performance.now() - started;
    },
    close: () => dataplane.close(),
  };
}

const statements = (text: string): number => text.split('\n').length - 1;

async function fullSteps(bench: Bench): Promise<void> {
  for (const label of ['full sync (table replaced)', 'full resync (flush + rewrite)']) {
    const step = await bench.sync(full);
    row(label, step.kpxMs, step.nftMs, step.totalMs, undefined, statements(step.text));
    fullTotalMs = Math.max(fullTotalMs, step.totalMs);
  }
  if (engine !== 'nft') return;
  const text = transactionText(bench.planner(full), false);
  const peak = await execOk(realExec, { file: '/usr/bin/time', args: ['-f', '%M', 'ip', 'netns', 'exec', bench.netns, 'nft', '-f', '-'], stdin: text });
  nftPeakKb = Number(peak.stderr.trim().split('\n').at(-1));
}

/** `repeat` rounds of from → to, each undone; with the nft engine each forward text also runs bare. */
async function partialSteps(bench: Bench, label: string, from: DesiredState, to: DesiredState): Promise<void> {
  const forward = diffStates(from, to);
  const back = diffStates(to, from);
  const steps: Step[] = [];
  const bares: number[] = [];
  const first = `${label}, round 1${label.includes('endpoint') ? ' (new dispatch chain)' : ''}`;
  const steady = `${label} (median of rounds 2–${repeat})`;
  for (let round = 0; round < repeat; round++) {
    const step = await bench.sync(to, forward);
    await bench.sync(from, back);
    if (engine === 'nft') {
      bares.push(await bench.bare(step.text));
      await bench.sync(from, back);
    }
    if (round === 0) {
      if (engine === 'nft') bareByStep.set(first, bares.pop()!);
      row(first, step.kpxMs, step.nftMs, step.totalMs, bareByStep.get(first), statements(step.text));
    } else {
      steps.push(step);
    }
  }
  if (engine === 'nft') bareByStep.set(steady, median(bares));
  const pick = (key: 'kpxMs' | 'nftMs' | 'totalMs'): number => median(steps.map((step) => step[key]));
  row(steady, pick('kpxMs'), pick('nftMs'), pick('totalMs'), bareByStep.get(steady), statements(steps.at(-1)!.text));
}

for (engine of values.engines.split(',') as NftEngine[]) {
  await withNetns(`kpxbench-nft-${process.pid}`, async (netns) => {
    const bench = await openBench(netns);
    await fullSteps(bench);
    await partialSteps(bench, 'partial: one endpoint less', full, oneEndpointLess);
    await partialSteps(bench, 'partial: one new service', full, withNew);
    await bench.close();
  });
}

if (!values['no-iptables']) {
  await withNetns(`kpxbench-ipt-${process.pid}`, async (netns) => {
    const dataplane = openIptablesDataplane(
      { exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() },
      dataplaneSettings({ backend: 'legacy', restoreTimeoutMs: 900_000 }, { netns }),
    );
    await dataplane.setup();
    const report = await dataplane.apply(planIptables(full));
    iptablesRestoreMs = report.figures['restoreMs'] ?? report.toolMs;
  });
}

const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.trim().length)));
const line = (cells: readonly string[]): string => `| ${cells.map((cell, column) => cell.trim().padEnd(widths[column]!)).join(' | ')} |`;
console.log(`${services} services × ${endpoints} endpoints; node ${process.version}\n`);
console.log(line(rows[0]!));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const cells of rows.slice(1)) console.log(line(cells));
console.log(`\npeak RSS: kpx ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, nft (full resync) ${(nftPeakKb / 1024).toFixed(0)} MiB`);
if (iptablesRestoreMs !== undefined) {
  console.log(
    `yardstick: iptables-legacy-restore of kpx's iptables output for the same cluster ${iptablesRestoreMs.toFixed(0)} ms; nftables full sync (slower of the two) ${fullTotalMs.toFixed(0)} ms = ${((100 * fullTotalMs) / iptablesRestoreMs).toFixed(0)}%`,
  );
}
