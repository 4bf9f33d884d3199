// The VM's initramfs: a static busybox, the virtio/9p/overlay modules needed to
// mount the host's / and scripts/kernel-vm/init.sh as /init. Cached beside the
// kernel under a name that hashes everything it is built from.
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { withFileLock } from './file-lock.ts';
import { findTool, runToolOk } from './host-tools.ts';
import { resolveModuleFiles } from './kernel-modules.ts';
import type { PreparedKernel } from './kernel-package.ts';
import { INIT_SCRIPT_PATH } from './paths.ts';
import { VmUnavailableError } from './prerequisites.ts';

/** What init.sh needs before it can see the host's files: virtio-pci, 9p over virtio, overlayfs. */
const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'];
const BUILD_WAIT_MS = 5 * 60_000;

/** The initramfs for this kernel, built on first use. */
export async function prepareInitramfs(kernel: PreparedKernel): Promise<string> {
  const busybox = findTool('busybox');
  if (busybox === undefined) throw new VmUnavailableError('busybox is missing (Debian package busybox-static)');
  const modules = await resolveModuleFiles(kernel, BOOT_MODULES);
  const init = readFileSync(INIT_SCRIPT_PATH);
  const hash = createHash('sha256').update(init).update(readFileSync(busybox)).update(kernel.release);
  for (const file of modules) hash.update(file);
  const target = path.join(kernel.dir, `initramfs-${hash.digest('hex').slice(0, 16)}.cpio.gz`);
  if (existsSync(target)) return target;
  return withFileLock(path.join(kernel.dir, 'initramfs.lock'), BUILD_WAIT_MS, async () => {
    if (!existsSync(target)) await buildInitramfs({ target, busybox, init, modules });
    removeOtherInitramfs(kernel.dir, path.basename(target));
    return target;
  });
}

interface InitramfsSources {
  readonly target: string;
  readonly busybox: string;
  readonly init: Buffer;
  readonly modules: readonly string[];
}

async function buildInitramfs(sources: InitramfsSources): Promise<void> {
  const staging = `${sources.target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const dir of ['bin', 'modules', 'proc', 'sys', 'dev', 'newroot']) mkdirSync(path.join(staging, dir), { recursive: true });
    copyFileSync(sources.busybox, path.join(staging, 'bin', 'busybox'));
    writeFileSync(path.join(staging, 'init'), sources.init);
    chmodSync(path.join(staging, 'init'), 0o755);
    const order: string[] = [];
    for (const file of sources.modules) {
      if (!file.endsWith('.ko')) throw new VmUnavailableError(`module ${file} is compressed; busybox insmod needs a plain .ko`);
      copyFileSync(file, path.join(staging, 'modules', path.basename(file)));
      order.push(path.basename(file));
    }
    writeFileSync(path.join(staging, 'modules', 'order'), `${order.join('\n')}\n`);
    const archive = path.join(staging, 'initramfs.cpio');
    await runToolOk('cpio', ['--create', '--format=newc', '--quiet', `--file=${archive}`], {
      cwd: staging,
      input: `${listTree(staging, '.').join('\n')}\n`,
    });
    writeFileSync(`${staging}.gz`, gzipSync(readFileSync(archive), { level: 1 }));
    renameSync(`${staging}.gz`, sources.target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${staging}.gz`, { force: true });
  }
}

/** Images built from an older init.sh or busybox; a VM still booting one keeps its open file. */
function removeOtherInitramfs(dir: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    if (/^initramfs-[0-9a-f]+\.cpio\.gz$/.test(name) && name !== keep) rmSync(path.join(dir, name), { force: true });
  }
}

/** Every path under `dir`, relative, parents before children (what cpio wants on stdin). */
function listTree(root: string, relative: string): string[] {
  const entries = [relative];
  const absolute = path.join(root, relative);
  if (!statSync(absolute).isDirectory()) return entries;
  for (const name of readdirSync(absolute).sort()) {
    if (relative === '.' && name === 'initramfs.cpio') continue;
    entries.push(...listTree(root, path.join(relative, name)));
  }
  return entries;
}
