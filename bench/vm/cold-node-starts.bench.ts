// How often a cold node process dies inside the kernel VM (qemu multi-threaded TCG), with the
// guest's default V8 flags preload (src/vm/guest-v8-flags.mjs) and without it. Each start runs
// `kpx render --help` with an empty compile cache of its own, so Node strips types again (the
// WebAssembly path the preload is about); the two kinds alternate in one VM boot.
//   node bench/vm/cold-node-starts.bench.ts [--starts 32]
import { parseArgs } from 'node:util';
import { runCommandsInVm } from '@kpx/vm/run-in-vm.ts';
import type { VmCommand } from '@kpx/vm/job-script.ts';
import { median } from '../render/synthetic-cluster.ts';

const { values } = parseArgs({ options: { starts: { type: 'string', default: '32' } } });
const starts = Number(values.starts);
if (!Number.isSafeInteger(starts) || starts <= 0) {
  process.stderr.write('--starts must be a positive integer\n');
  process.exit(2);
}

const KINDS = { 'with the preload': {}, 'without it': { NODE_OPTIONS: '' } } as const;
type Kind = keyof typeof KINDS;

const commands: VmCommand[] = [];
const kinds: Kind[] = [];
for (let start = 0; start < starts; start += 1) {
  for (const [kind, env] of Object.entries(KINDS) as [Kind, Record<string, string>][]) {
    kinds.push(kind);
    const cacheDir = `/tmp/cold-node-start-${kinds.length}`;
    commands.push({ argv: ['node', 'bin/kpx.mjs', 'render', '--help'], env: { ...env, NODE_COMPILE_CACHE: cacheDir }, timeoutMs: 120_000 });
  }
}

process.stderr.write(`booting the kernel VM for ${commands.length} cold node starts…\n`);
const run = await runCommandsInVm(commands, { timeoutMs: 60 * 60_000 });
console.log(`kernel ${run.kernelRelease} (guest), VM wall ${(run.vmMs / 1000).toFixed(0)} s`);
for (const kind of Object.keys(KINDS) as Kind[]) {
  const results = run.results.filter((_, index) => kinds[index] === kind);
  const failed = results.filter((result) => result.exitCode !== 0);
  const statuses = failed.map((result) => result.exitCode).join(',');
  console.log(
    `${kind}: ${failed.length} of ${results.length} starts died${statuses === '' ? '' : ` (exit ${statuses})`}, ` +
      `median ${median(results.map((result) => result.durationMs))} ms`,
  );
}
