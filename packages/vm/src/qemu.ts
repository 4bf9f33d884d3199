// Boots the VM once: qemu with TCG (KVM stalls at boot on these hosts), no
// network device at all, the host's / shared read-only and the job folder
// shared writable over virtio-9p. Resolves when qemu exits or is killed.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { findTool } from './host-tools.ts';
import { VmUnavailableError } from './prerequisites.ts';

const CONSOLE_KEEP_CHARS = 256 * 1024;

export interface QemuBoot {
  /** A bzImage or a PVH-capable ELF vmlinux. */
  readonly kernelImage: string;
  readonly initramfs: string;
  readonly jobDir: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly cpus: number;
  /** Aborting kills qemu at once (the run then reads as timed out). */
  readonly signal?: AbortSignal;
}

export interface QemuExit {
  /** Serial console output (kernel messages, init errors); the last 256 KiB. */
  readonly console: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export function qemuArgs(boot: QemuBoot): string[] {
  for (const value of [boot.kernelImage, boot.initramfs, boot.jobDir]) {
    assert.ok(!value.includes(','), `qemu options cannot carry a path with a comma: ${value}`);
  }
  return [
    ...['-accel', 'tcg,thread=multi', '-cpu', 'max,-avx,-avx2,-fma,-f16c', '-m', String(boot.memoryMb), '-smp', String(boot.cpus)],
    ...['-nographic', '-no-reboot', '-nic', 'none'],
    ...['-kernel', boot.kernelImage, '-initrd', boot.initramfs],
    // panic=-1: a dying init reboots at once, which -no-reboot turns into qemu exiting.
    ...['-append', 'console=ttyS0 quiet loglevel=4 panic=-1'],
    ...['-virtfs', 'local,path=/,mount_tag=kpxhost,security_model=none,readonly=on,multidevs=remap'],
    ...['-virtfs', `local,path=${boot.jobDir},mount_tag=kpxjob,security_model=none,multidevs=remap`],
  ];
}

export function bootQemu(boot: QemuBoot): Promise<QemuExit> {
  const qemu = findTool('qemu-system-x86_64');
  if (qemu === undefined) return Promise.reject(new VmUnavailableError('qemu-system-x86_64 is missing (Debian package qemu-system-x86)'));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // timeout(1) enforces the limit even if this process dies without killing qemu.
    // detached: timeout and qemu form their own process group, killed as one below.
    const hardLimit = `${Math.ceil(boot.timeoutMs / 1000) + 10}s`;
    const child = spawn(findTool('timeout') ?? 'timeout', ['--signal=KILL', hardLimit, qemu, ...qemuArgs(boot)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const isDebugging = process.env.KPX_VM_DEBUG === '1';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-CONSOLE_KEEP_CHARS);
      if (isDebugging) process.stderr.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const kill = (): void => {
      timedOut = true;
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    };
    const timer = setTimeout(kill, boot.timeoutMs);
    boot.signal?.addEventListener('abort', kill, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      boot.signal?.removeEventListener('abort', kill);
    };
    child.on('error', (error) => {
      settle();
      reject(new VmUnavailableError(`cannot start ${qemu}`, { cause: error }));
    });
    child.on('close', (exitCode) => {
      settle();
      resolve({ console: output, exitCode, timedOut, durationMs: performance.now() - started });
    });
  });
}
