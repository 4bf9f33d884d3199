// The kernel VM harness: boots Debian's stock kernel under qemu (TCG, no network
// device) with the host's / mounted read-only plus a tmpfs overlay, and runs
// commands inside as root, for tests that need IPVS, SCTP or other kernel
// features the host kernel lacks. See test/kernel/README.md.
import path from 'node:path';
import { PINNED_NODE, REPO_ROOT } from '@kpx/vm/paths.ts';

export { describeInVm, checkVmReadiness, isCi, VM_HOOK_TIMEOUT_MS, type VmReadiness } from './vm/describe-in-vm.ts';
export { runInVm, runCommandsInVm, prepareVm, type VmOptions, type VmRun, type VmSingleRun, type VmCommandResult } from '@kpx/vm/run-in-vm.ts';
export type { VmCommand } from '@kpx/vm/job-script.ts';
export { VmUnavailableError } from '@kpx/vm/prerequisites.ts';
export { PINNED_NODE, REPO_ROOT };

/** Config for vitest runs inside the VM: it collects `*.vm-test.ts` files, which the host's vitest never does. */
export const GUEST_VITEST_CONFIG = path.join(REPO_ROOT, 'test', 'kernel', 'vitest.guest.config.ts');

/** argv running the pinned node inside the VM, e.g. nodeCommand('bench/sync/sync.bench.ts', '--mode', 'ipvs'). */
export function nodeCommand(...args: string[]): string[] {
  return [PINNED_NODE, ...args];
}

/** argv running `*.vm-test.ts` files with vitest inside the VM; the exit status says whether they passed. */
export function vitestCommand(...files: string[]): string[] {
  return [PINNED_NODE, path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', GUEST_VITEST_CONFIG, ...files];
}
