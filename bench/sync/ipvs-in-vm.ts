// `sync.bench.ts --mode ipvs`: the host kernel has no ip_vs, so the IPVS benchmark
// (test/kernel/ipvs-bench.vm-script.ts) runs inside the kernel VM and its table is printed here.
import { nodeCommand, runInVm } from '../../test/kernel/vm.ts';

/** What the IPVS dataplane and its tools (ipvsadm, ipset, iptables-restore) need in the guest. */
const IPVS_BENCH_MODULES = ['nf_tables', 'nf_conntrack', 'ip_vs', 'ip_vs_rr', 'dummy', 'veth', 'xt_set', 'ip_set'];

export interface IpvsBenchOptions {
  readonly sizes: readonly number[];
  readonly endpointsPerService: number;
  /** Limit for the whole VM run: boot, every size's three syncs, power-off. */
  readonly vmTimeoutMs: number;
}

export const TCG_WARNING =
  'Figures measured inside a qemu VM on an EMULATED CPU (TCG, no KVM): every process, ipvsadm and ipset above all, ' +
  "runs several-fold slower than on a native kernel, so the tools' times are inflated accordingly.";

/** Boots the VM once, runs the IPVS benchmark for every size in it, and prints its table; returns the exit status. */
export async function runIpvsBenchInVm(options: IpvsBenchOptions): Promise<number> {
  const counts = [...options.sizes, options.endpointsPerService];
  if (!counts.every((count) => Number.isSafeInteger(count) && count > 0) || !(options.vmTimeoutMs > 0)) {
    process.stderr.write('--sizes and --endpoints must be positive integers, --vm-timeout-s a positive number\n');
    return 2;
  }
  process.stderr.write(`booting the kernel VM for the IPVS benchmark (sizes ${options.sizes.join(',')}, ${options.endpointsPerService} endpoints)…\n`);
  const run = await runInVm({
    command: nodeCommand('test/kernel/ipvs-bench.vm-script.ts', options.sizes.join(','), String(options.endpointsPerService)),
    modules: IPVS_BENCH_MODULES,
    timeoutMs: options.vmTimeoutMs,
  });
  console.log(`\n${TCG_WARNING}`);
  console.log(
    `kernel ${run.kernelRelease} (guest); ${options.endpointsPerService} endpoints per service; ` +
      `VM wall ${(run.vmMs / 1000).toFixed(1)} s, benchmark inside ${(run.durationMs / 1000).toFixed(1)} s\n`,
  );
  process.stdout.write(run.stdout);
  if (run.exitCode !== 0) {
    process.stderr.write(`the benchmark failed inside the VM (exit ${run.exitCode}):\n${run.stderr}\n`);
  }
  return run.exitCode;
}
