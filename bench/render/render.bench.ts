// Render benchmark: synthetic clusters of N services × E endpoints through the same pipeline
// as `kpx render --mode iptables` (model build, plan, format).
//
//   node bench/render/render.bench.ts [--sizes 1000,10000,30000] [--endpoints 10] [--runs 5] [--warm 0] [--one-core]
//
// Each run is a fresh child process doing what one `kpx render` does: hold the raw objects,
// build the model, plan, format and write the text (to /dev/null), once, with a cold JIT. Its
// peak RSS is what a render really holds, not several runs' garbage. Figures are medians over
// --runs children; CPU time (user + system) is reported beside wall time because the machine
// may be shared.
// --warm N adds N more repetitions in each child, after its RSS is taken, for steady-state
// (daemon-like) times. --one-core runs the children with V8's --single-threaded: garbage
// collection and JIT compilation then happen on the main thread too, so CPU time is what one
// core spends (by default V8 also uses helper threads, counted in CPU time but not in wall time).
import { execFileSync } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildDesiredState } from '@kpx/agent/model/build-state.ts';
import { iptablesMode } from '@kpx/agent/modes/iptables/index.ts';
import type { ClusterObjects, ModelConfig } from '@kpx/agent/model/inputs.ts';
import { benchModelConfig, cpuMsSince, median, syntheticCluster } from './synthetic-cluster.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,30000' },
    endpoints: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    warm: { type: 'string', default: '0' },
    'one-core': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

const devNull = openSync('/dev/null', 'w');

interface Timing {
  readonly buildMs: number;
  readonly buildCpuMs: number;
  readonly renderMs: number;
  readonly renderCpuMs: number;
  readonly bytes: number;
}

interface ChildResult {
  readonly cold: Timing;
  readonly warm: Timing | undefined;
  readonly peakRssMb: number;
}

function renderOnce(cluster: ClusterObjects, config: ModelConfig): Timing {
  let cpu = process.cpuUsage();
  const started = performance.now();
  const { state, problems } = buildDesiredState(cluster, config);
  const built = performance.now();
  const buildCpuMs = cpuMsSince(cpu);
  if (problems.length > 0) throw new Error(`synthetic cluster has problems: ${JSON.stringify(problems[0])}`);
  cpu = process.cpuUsage();
  const text = iptablesMode.format(iptablesMode.plan(state, {}));
  // Written out as `kpx render` writes it to stdout: encoding to bytes is part of the cost,
  // in time and in peak memory.
  const bytes = writeSync(devNull, text);
  return { buildMs: built - started, buildCpuMs, renderMs: performance.now() - built, renderCpuMs: cpuMsSince(cpu), bytes };
}

function medianTiming(timings: readonly Timing[]): Timing {
  const of = (key: keyof Timing): number => median(timings.map((timing) => timing[key]));
  return { buildMs: of('buildMs'), buildCpuMs: of('buildCpuMs'), renderMs: of('renderMs'), renderCpuMs: of('renderCpuMs'), bytes: of('bytes') };
}

function runChild(services: number): ChildResult {
  const cluster = syntheticCluster(services, Number(values.endpoints));
  const config = benchModelConfig();
  const cold = renderOnce(cluster, config);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const warm = Array.from({ length: Number(values.warm) }, () => renderOnce(cluster, config));
  return { cold, warm: warm.length > 0 ? medianTiming(warm) : undefined, peakRssMb };
}

function runSize(size: string): { cold: Timing; warm: Timing | undefined; peakRssMb: number } {
  const results = Array.from({ length: Number(values.runs) }, () => {
    const v8Flags = values['one-core'] ? ['--single-threaded'] : [];
    const args = [...v8Flags, import.meta.filename, '--child', size, '--endpoints', values.endpoints, '--warm', values.warm];
    return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as ChildResult;
  });
  const warm = results.flatMap((result) => (result.warm === undefined ? [] : [result.warm]));
  return {
    cold: medianTiming(results.map((result) => result.cold)),
    warm: warm.length > 0 ? medianTiming(warm) : undefined,
    peakRssMb: median(results.map((result) => result.peakRssMb)),
  };
}

function row(services: string, label: string, timing: Timing, peakRss: string): string {
  const ms = (value: number): string => value.toFixed(0);
  return [
    services,
    label,
    `${ms(timing.buildMs)} (${ms(timing.buildCpuMs)})`,
    `${ms(timing.renderMs)} (${ms(timing.renderCpuMs)})`,
    `${ms(timing.buildMs + timing.renderMs)} (${ms(timing.buildCpuMs + timing.renderCpuMs)})`,
    (timing.bytes / 1e6).toFixed(1),
    peakRss,
  ].join(' | ');
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(runChild(Number(values.child))));
} else {
  const oneCore = values['one-core'] ? ', one core (--single-threaded)' : '';
  console.log(`kpx render benchmark: ${values.endpoints} endpoints per service, median of ${values.runs} fresh processes${oneCore}, node ${process.version}`);
  console.log('times are wall ms (CPU ms); cold = one render in a fresh process, as `kpx render`; warm = median of later repetitions');
  console.log('services | run | model build | iptables plan+format | total | output MB | peak RSS MB');
  for (const size of values.sizes.split(',')) {
    const result = runSize(size);
    console.log(row(size, 'cold', result.cold, result.peakRssMb.toFixed(0)));
    if (result.warm !== undefined) console.log(row(size, 'warm', result.warm, '-'));
  }
}
