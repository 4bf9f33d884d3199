// vitest glue: a describe block that needs the kernel VM. When the VM cannot
// run here (no qemu, no kernel package, a module missing) the block is skipped
// with the reason locally, and fails with the reason in CI (CI=true).
import { describe, it } from 'vitest';
import { isInsideKernelVm } from '@kpx/vm/job-script.ts';
import { VmUnavailableError } from '@kpx/vm/prerequisites.ts';
import { prepareVm } from '@kpx/vm/run-in-vm.ts';

/** For beforeAll/it around a VM run: covers waiting for the VM slot, the boot and the commands. */
export const VM_HOOK_TIMEOUT_MS = 10 * 60_000;

export type VmReadiness = { readonly isReady: true } | { readonly isReady: false; readonly reason: string };

export function isCi(): boolean {
  const ci = process.env.CI ?? '';
  return ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Prepares the kernel, initramfs and modules; says why not when it cannot (other errors propagate). */
export async function checkVmReadiness(modules: readonly string[] = []): Promise<VmReadiness> {
  try {
    await prepareVm(modules);
    return { isReady: true };
  } catch (error) {
    if (error instanceof VmUnavailableError) return { isReady: false, reason: error.message };
    throw error;
  }
}

/**
 * `await describeInVm(name, { modules }, () => { ... })` at a test file's top level.
 * The body registers beforeAll/it as usual and calls runCommandsInVm/runInVm.
 */
export async function describeInVm(name: string, requirements: { modules?: readonly string[] }, body: () => void): Promise<void> {
  if (isInsideKernelVm()) {
    // A guest vitest run that collected this file: no VM inside the VM.
    describe.skip(`${name} (skipped: already inside the kernel VM)`, body);
    return;
  }
  const readiness = await checkVmReadiness(requirements.modules);
  if (readiness.isReady) {
    describe(name, body);
  } else if (isCi()) {
    describe(name, () => {
      it('has what the kernel VM needs', () => {
        throw new Error(`kernel VM unavailable in CI: ${readiness.reason}`);
      });
    });
  } else {
    console.warn(`[kernel VM] skipping "${name}": ${readiness.reason}`);
    describe.skip(`${name} (skipped: ${readiness.reason})`, body);
  }
}
