// The stock Debian kernel the VM boots: the linux-image-<release> package that
// linux-image-amd64 depends on, unpacked into .cache/kernel/<release> and
// depmod-ed so modprobe finds modules by name. Prepared once per release under
// a lock, so test files started together do not download it twice.
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { withFileLock } from './file-lock.ts';
import { runTool, runToolOk } from './host-tools.ts';
import { KERNEL_CACHE_DIR } from './paths.ts';
import { VmUnavailableError } from './prerequisites.ts';

const META_PACKAGE = 'linux-image-amd64';
const READY_MARKER = 'ready';
const PREPARE_WAIT_MS = 15 * 60_000;

export interface PreparedKernel {
  /** The kernel release, `uname -r` inside the VM (e.g. 6.1.0-56-amd64). */
  readonly release: string;
  readonly dir: string;
  readonly vmlinuz: string;
  /** The folder the guest mounts on /lib/modules (it holds `<release>/`). */
  readonly modulesDir: string;
}

export function kernelPaths(release: string): PreparedKernel {
  const dir = path.join(KERNEL_CACHE_DIR, release);
  return { release, dir, vmlinuz: path.join(dir, 'boot', `vmlinuz-${release}`), modulesDir: path.join(dir, 'lib', 'modules') };
}

export function isKernelCached(release: string): boolean {
  return existsSync(path.join(kernelPaths(release).dir, READY_MARKER));
}

/** The cached kernel for the release linux-image-amd64 currently depends on, downloading it if needed. */
export async function prepareKernel(): Promise<PreparedKernel> {
  const release = await resolveKernelRelease();
  if (isKernelCached(release)) return kernelPaths(release);
  return withFileLock(path.join(KERNEL_CACHE_DIR, 'prepare.lock'), PREPARE_WAIT_MS, async () => {
    if (!isKernelCached(release)) await downloadKernel(release);
    return kernelPaths(release);
  });
}

/** Parses `apt-cache depends linux-image-amd64` output for the versioned image package. */
export function parseKernelRelease(aptCacheDepends: string): string | undefined {
  const match = /^\s*Depends:\s*linux-image-(\d[\w.+~-]*-amd64)\s*$/m.exec(aptCacheDepends);
  return match?.[1];
}

async function resolveKernelRelease(): Promise<string> {
  const fromApt = await askAptForRelease();
  if (fromApt !== undefined) return fromApt;
  // Offline or no apt lists: any kernel prepared earlier still serves.
  const cached = listCachedReleases().at(-1);
  if (cached !== undefined) return cached;
  throw new VmUnavailableError(
    `cannot tell which kernel to boot: \`apt-cache depends ${META_PACKAGE}\` names no linux-image package ` +
      '(no apt lists? run `apt-get update` as root) and no kernel is cached in .cache/kernel',
  );
}

async function askAptForRelease(): Promise<string | undefined> {
  const depends = () => runTool('apt-cache', ['depends', META_PACKAGE]).catch(() => undefined);
  const first = await depends();
  const release = first === undefined ? undefined : parseKernelRelease(first.stdout);
  if (release !== undefined || first === undefined || process.getuid?.() !== 0) return release;
  // The package lists may simply not be there yet (a fresh CI container).
  await runTool('apt-get', ['update', '-qq']);
  const second = await depends();
  return second === undefined ? undefined : parseKernelRelease(second.stdout);
}

function listCachedReleases(): string[] {
  if (!existsSync(KERNEL_CACHE_DIR)) return [];
  return readdirSync(KERNEL_CACHE_DIR)
    .filter((name) => isKernelCached(name))
    .sort();
}

async function downloadKernel(release: string): Promise<void> {
  const pkg = `linux-image-${release}`;
  const target = kernelPaths(release).dir;
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const fetchDeb = () => runTool('apt-get', ['download', '-o', 'APT::Sandbox::User=root', pkg], { cwd: staging });
    let download = await fetchDeb();
    if (download.exitCode !== 0 && process.getuid?.() === 0) {
      // Stale package lists name a file the mirror no longer has: refresh once.
      await runTool('apt-get', ['update', '-qq']);
      download = await fetchDeb();
    }
    const deb = readdirSync(staging).find((name) => name.endsWith('.deb'));
    if (download.exitCode !== 0 || deb === undefined) {
      throw new VmUnavailableError(`cannot download the kernel package ${pkg} with apt-get: ${download.stderr.trim().slice(-1000)}`);
    }
    const root = path.join(staging, 'root');
    await runToolOk('dpkg', ['-x', path.join(staging, deb), root]);
    await runToolOk('depmod', ['-b', root, release]);
    rmSync(target, { recursive: true, force: true });
    renameSync(root, target);
    writeFileSync(path.join(target, READY_MARKER), `${deb}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
