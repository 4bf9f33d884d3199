// runInVm: boot the stock Debian kernel under qemu, run commands inside it
// against the host's own tools, and hand back their exit statuses and output.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { prepareBootImage } from './boot-image.ts';
import { withFileLock } from './file-lock.ts';
import { prepareInitramfs } from './initramfs.ts';
import { renderJobFiles, type VmCommand } from './job-script.ts';
import { resolveModuleFiles } from './kernel-modules.ts';
import { prepareKernel, type PreparedKernel } from './kernel-package.ts';
import { KERNEL_CACHE_DIR } from './paths.ts';
import { explainMissingTools, findMissingTools, VmUnavailableError } from './prerequisites.ts';
import { bootQemu, type QemuExit } from './qemu.ts';

export interface VmOptions {
  /** Modules modprobe-d (in this order) before the first command, e.g. ['nf_tables', 'ip_vs', 'sctp']. */
  readonly modules?: readonly string[];
  /** Limit for the whole boot-run-poweroff (not counting the wait for a free VM slot). Default 120 s. */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  /** Aborting powers the VM off at once; the run then throws as timed out. */
  readonly signal?: AbortSignal;
  /** Called with each new piece of the commands' stderr while they run (polled from the shared job folder). */
  readonly onStderr?: (commandIndex: number, text: string) => void;
}

export interface VmCommandResult {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the command inside the VM (guest uptime, 10 ms resolution). */
  readonly durationMs: number;
}

export interface VmRun {
  readonly results: readonly VmCommandResult[];
  readonly console: string;
  readonly kernelRelease: string;
  /** Guest uptime when the job script started: kernel boot plus init's mounts. */
  readonly bootToCommandMs: number;
  /** Time modprobe took for the requested modules. */
  readonly modulesMs: number;
  /** Host wall time from qemu start to its exit. */
  readonly vmMs: number;
}

const SLOT_WAIT_MS = 30 * 60_000;
const DEFAULT_TIMEOUT_MS = 120_000;

/** The kernel and initramfs, prepared once per process (and cached on disk across processes). */
let prepared: Promise<{ kernel: PreparedKernel; bootImage: string; initramfs: string }> | undefined;

/** Everything the VM needs, downloaded or built if missing; throws VmUnavailableError saying what is not there. */
export async function prepareVm(modules: readonly string[] = []): Promise<PreparedKernel> {
  prepared ??= (async () => {
    const missing = findMissingTools({ needsDownload: true });
    if (missing.length > 0) throw new VmUnavailableError(explainMissingTools(missing));
    const kernel = await prepareKernel();
    return { kernel, bootImage: await prepareBootImage(kernel), initramfs: await prepareInitramfs(kernel) };
  })();
  const { kernel } = await prepared;
  await resolveModuleFiles(kernel, modules);
  return kernel;
}

/** Boots one VM and runs `commands` in order inside it (each in its own subshell); one boot per call. */
export async function runCommandsInVm(commands: readonly VmCommand[], options: VmOptions = {}): Promise<VmRun> {
  const modules = options.modules ?? [];
  await prepareVm(modules);
  const { kernel, bootImage, initramfs } = await (prepared as NonNullable<typeof prepared>);
  const jobDir = mkdtempSync(path.join(os.tmpdir(), 'kpx-vm-'));
  try {
    mkdirSync(path.join(jobDir, 'out'));
    const files = renderJobFiles({ modules, commands, modulesDir: kernel.modulesDir });
    writeFileSync(path.join(jobDir, 'config'), files.config);
    writeFileSync(path.join(jobDir, 'run.sh'), files.runScript);
    const stopFollowing = options.onStderr === undefined ? undefined : followStderr(path.join(jobDir, 'out'), commands.length, options.onStderr);
    // One VM at a time on the machine: each takes 2 vCPUs of TCG on a shared 2-core host.
    const exit = await withFileLock(path.join(KERNEL_CACHE_DIR, 'vm-slot.lock'), SLOT_WAIT_MS, () =>
      bootQemu({
        kernelImage: bootImage,
        initramfs,
        jobDir,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        memoryMb: options.memoryMb ?? 2048,
        cpus: 2,
        signal: options.signal,
      }),
    ).finally(() => stopFollowing?.());
    return collectRun(path.join(jobDir, 'out'), commands, exit, kernel.release);
  } finally {
    rmSync(jobDir, { recursive: true, force: true });
  }
}

/** One command and the VM options: `command` is the argv, the rest as in VmCommand and VmOptions. */
export type VmSingleRun = Omit<VmCommand, 'argv'> & VmOptions & { readonly command: readonly string[] };

/** Boots one VM to run one command; see runCommandsInVm to run several in a single boot. */
export async function runInVm(request: VmSingleRun): Promise<VmCommandResult & Omit<VmRun, 'results'>> {
  const { command, modules, timeoutMs, memoryMb, signal, onStderr, ...rest } = request;
  const run = await runCommandsInVm([{ ...rest, argv: command }], { modules, timeoutMs, memoryMb, signal, onStderr });
  const { results, ...vm } = run;
  return { ...(results[0] as VmCommandResult), ...vm };
}

const FOLLOW_INTERVAL_MS = 250;

/** Polls each command's stderr file in the job folder and hands on what was appended; returns the stop function. */
function followStderr(outDir: string, commandCount: number, onStderr: (commandIndex: number, text: string) => void): () => void {
  const offsets = new Array<number>(commandCount).fill(0);
  // One decoder per file: a UTF-8 character split across two polls comes out whole.
  const decoders = Array.from({ length: commandCount }, () => new StringDecoder('utf8'));
  const poll = (): void => {
    for (let index = 0; index < commandCount; index++) {
      const file = path.join(outDir, `${index}.stderr`);
      if (!existsSync(file)) continue;
      const text = readFileSync(file).subarray(offsets[index]);
      if (text.length === 0) continue;
      offsets[index] = (offsets[index] ?? 0) + text.length;
      const decoded = decoders[index]?.write(text) ?? '';
      if (decoded !== '') onStderr(index, decoded);
    }
  };
  const timer = setInterval(poll, FOLLOW_INTERVAL_MS);
  return () => {
    clearInterval(timer);
    poll();
  };
}

function collectRun(outDir: string, commands: readonly VmCommand[], exit: QemuExit, kernelRelease: string): VmRun {
  const read = (name: string) => (existsSync(path.join(outDir, name)) ? readFileSync(path.join(outDir, name), 'utf8') : undefined);
  const seconds = (name: string) => Number.parseFloat(read(name) ?? 'NaN');
  const consoleTail = `\n--- VM console (tail) ---\n${exit.console.slice(-4000)}`;
  const initError = read('../init-error');
  if (initError !== undefined) throw new Error(`the VM's init failed: ${initError.trim()}${consoleTail}`);
  const failedModule = read('modprobe-failed');
  if (failedModule !== undefined) {
    throw new VmUnavailableError(`modprobe ${failedModule.trim()} failed inside the VM (kernel ${kernelRelease}): ${read('modprobe.log')?.trim() ?? ''}`);
  }
  const results: VmCommandResult[] = [];
  for (const [index, command] of commands.entries()) {
    const exitCode = read(`${index}.exit`);
    if (exitCode === undefined) {
      const what = exit.timedOut ? `timed out after ${Math.round(exit.durationMs / 1000)} s` : `stopped (qemu exit ${exit.exitCode})`;
      const reached = read(`${index}.start`) === undefined ? 'before it started' : 'while it ran';
      throw new Error(`the VM ${what} ${reached} command #${index} (${command.argv.join(' ')})${consoleTail}`);
    }
    results.push({
      argv: command.argv,
      exitCode: Number.parseInt(exitCode, 10),
      stdout: read(`${index}.stdout`) ?? '',
      stderr: read(`${index}.stderr`) ?? '',
      durationMs: Math.round((seconds(`${index}.end`) - seconds(`${index}.start`)) * 1000),
    });
  }
  return {
    results,
    console: exit.console,
    kernelRelease,
    bootToCommandMs: Math.round(seconds('start-seconds') * 1000),
    modulesMs: Math.round((seconds('modules-seconds') - seconds('start-seconds')) * 1000),
    vmMs: Math.round(exit.durationMs),
  };
}
