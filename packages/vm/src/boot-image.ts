// The kernel image qemu loads. A bzImage decompresses itself under TCG in about
// 3 s per boot; qemu can instead start the already-decompressed ELF vmlinux
// through its PVH entry point, so that is unpacked once (with xz) and cached.
// Without xz or PVH support the bzImage still works, only slower.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { withFileLock } from './file-lock.ts';
import { findTool } from './host-tools.ts';
import type { PreparedKernel } from './kernel-package.ts';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** The fastest bootable image for this kernel: a cached PVH vmlinux if it can be made, else the bzImage. */
export async function prepareBootImage(kernel: PreparedKernel): Promise<string> {
  const vmlinux = path.join(kernel.dir, 'boot', `vmlinux-${kernel.release}`);
  if (existsSync(vmlinux)) return vmlinux;
  const xz = findTool('xz');
  if (xz === undefined || !hasPvhEntry(kernel)) return kernel.vmlinuz;
  return withFileLock(path.join(kernel.dir, 'vmlinux.lock'), 5 * 60_000, async () => {
    if (existsSync(vmlinux)) return vmlinux;
    const image = await decompressBzImage(xz, readFileSync(kernel.vmlinuz));
    if (image === undefined) return kernel.vmlinuz;
    writeFileSync(`${vmlinux}.partial`, image);
    renameSync(`${vmlinux}.partial`, vmlinux);
    return vmlinux;
  });
}

function hasPvhEntry(kernel: PreparedKernel): boolean {
  const config = path.join(kernel.dir, 'boot', `config-${kernel.release}`);
  return existsSync(config) && /^CONFIG_PVH=y$/m.test(readFileSync(config, 'utf8'));
}

/** The ELF kernel inside an xz-compressed bzImage, or undefined when it is not one. */
async function decompressBzImage(xz: string, bzImage: Buffer): Promise<Buffer | undefined> {
  const start = bzImage.indexOf(XZ_MAGIC);
  if (start < 0) return undefined;
  // --single-stream: the bzImage carries more data after the compressed kernel.
  const result = await execa(xz, ['--decompress', '--stdout', '--single-stream'], {
    input: bzImage.subarray(start),
    encoding: 'buffer',
    reject: false,
    maxBuffer: 512 * 1024 * 1024,
  });
  const image = Buffer.from(result.stdout);
  return result.exitCode === 0 && image.subarray(0, 4).equals(ELF_MAGIC) ? image : undefined;
}
