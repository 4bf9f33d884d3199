// What the kernel VM needs from the host, and the one error type that says
// "the VM cannot run here" (as opposed to "a test inside it failed").
import { closeSync, openSync, readSync } from 'node:fs';
import { findTool } from './host-tools.ts';

/** The VM cannot be started on this host; the message says what to install. */
export class VmUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VmUnavailableError';
  }
}

/** host program → the Debian package that provides it */
const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  busybox: 'busybox-static',
  cpio: 'cpio',
  depmod: 'kmod',
  modprobe: 'kmod',
  flock: 'util-linux',
};

/** Tools needed only to fetch the kernel package the first time. */
const DOWNLOAD_TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  dpkg: 'dpkg',
};

/** Lines such as "qemu-system-x86_64 (Debian package qemu-system-x86)" for every missing tool. */
export function findMissingTools(options: { needsDownload: boolean }): string[] {
  const wanted = options.needsDownload ? { ...TOOL_PACKAGES, ...DOWNLOAD_TOOL_PACKAGES } : TOOL_PACKAGES;
  const missing = Object.entries(wanted)
    .filter(([tool]) => findTool(tool) === undefined)
    .map(([tool, pkg]) => `${tool} (Debian package ${pkg})`);
  const busybox = findTool('busybox');
  if (busybox !== undefined && !isStaticElf(busybox)) {
    missing.push(`a statically linked busybox: ${busybox} is dynamic (Debian package busybox-static)`);
  }
  return missing;
}

/** True when the ELF file has no PT_INTERP program header, i.e. needs no dynamic loader. */
export function isStaticElf(file: string): boolean {
  const PT_INTERP = 3;
  const elf = readHead(file, 64 * 1024);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false; // 64-bit ELF only
  const programHeaderOffset = Number(elf.readBigUInt64LE(0x20));
  const entrySize = elf.readUInt16LE(0x36);
  const entryCount = elf.readUInt16LE(0x38);
  for (let index = 0; index < entryCount; index++) {
    const at = programHeaderOffset + index * entrySize;
    if (at + 4 > elf.length) return false;
    if (elf.readUInt32LE(at) === PT_INTERP) return false;
  }
  return true;
}

export function explainMissingTools(missing: readonly string[]): string {
  return `the kernel VM needs these host tools, which are missing: ${missing.join('; ')}. Install them with apt-get (bash scripts/setup.sh does, as root).`;
}

function readHead(file: string, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}
