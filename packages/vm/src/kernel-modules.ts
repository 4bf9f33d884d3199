// Loadable modules of the cached kernel, resolved on the host with modprobe
// against the unpacked tree, so a missing module is reported before any boot.
import { runToolOk } from './host-tools.ts';
import type { PreparedKernel } from './kernel-package.ts';
import { VmUnavailableError } from './prerequisites.ts';

/** Module files in load order (dependencies first), from `modprobe --show-depends` against the cached tree. */
export async function resolveModuleFiles(kernel: PreparedKernel, names: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const name of names) {
    const shown = await runToolOk('modprobe', ['--dirname', kernel.dir, '--set-version', kernel.release, '--show-depends', name]).catch((error: unknown) => {
      throw new VmUnavailableError(`kernel ${kernel.release} has no module ${name}`, { cause: error });
    });
    files.push(...parseShowDepends(shown.stdout));
  }
  return [...new Set(files)];
}

/** The module paths of `modprobe --show-depends` output ("insmod /path [params]"; built-ins are skipped). */
export function parseShowDepends(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^insmod (\S+)/.exec(line.trim())?.[1])
    .filter((file): file is string => file !== undefined);
}
