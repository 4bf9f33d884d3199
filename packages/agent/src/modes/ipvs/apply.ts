// Running the batch tools, argv and stdin only: `ipvsadm -R`, `ipset restore -exist`,
// `ip -batch -`, and the reads they are checked against. Not `ipvsadm-restore`: that
// script runs `ipvsadm -C` (clearing every virtual server, other programs' too) before
// `ipvsadm -R`, so it cannot apply a difference.
import { KpxError } from '../../errors.ts';
import type { Exec } from '../../sys/exec.ts';
import { DUMMY_DEVICE } from './kernel-names.ts';

const TOOL_TIMEOUT_MS = 600_000;

async function run(exec: Exec, file: string, args: readonly string[], stdin?: string): Promise<{ stdout: string; durationMs: number }> {
  const result = await exec({ file, args, ...(stdin === undefined ? {} : { stdin }), timeoutMs: TOOL_TIMEOUT_MS });
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_IPVSADM', `${file} ${args.join(' ')} failed`, {
      context: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 4000), input: stdin?.slice(0, 2000) },
    });
  }
  return { stdout: result.stdout, durationMs: result.durationMs };
}

function text(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

/** `ipvsadm -R` with ipvsadm-save-format lines; resolves with the tool's duration (0 when there is nothing to do). */
export async function runIpvsadmRestore(exec: Exec, lines: readonly string[]): Promise<number> {
  if (lines.length === 0) return 0;
  return (await run(exec, 'ipvsadm', ['-R'], text(lines))).durationMs;
}

export async function runIpsetRestore(exec: Exec, lines: readonly string[]): Promise<number> {
  if (lines.length === 0) return 0;
  return (await run(exec, 'ipset', ['restore', '-exist'], text(lines))).durationMs;
}

export async function runAddressBatch(exec: Exec, lines: readonly string[]): Promise<number> {
  if (lines.length === 0) return 0;
  return (await run(exec, 'ip', ['-batch', '-'], text(lines))).durationMs;
}

export async function readIpvsadmSave(exec: Exec): Promise<{ stdout: string; durationMs: number }> {
  return run(exec, 'ipvsadm-save', ['-n']);
}

export async function readIpsetSave(exec: Exec): Promise<{ stdout: string; durationMs: number }> {
  return run(exec, 'ipset', ['save']);
}

/** `ip -o addr show dev kube-ipvs0`; empty when the device does not exist yet. */
export async function readDeviceAddresses(exec: Exec): Promise<{ stdout: string; durationMs: number }> {
  const result = await exec({ file: 'ip', args: ['-o', 'addr', 'show', 'dev', DUMMY_DEVICE] });
  return { stdout: result.exitCode === 0 ? result.stdout : '', durationMs: result.durationMs };
}

/** `ipvsadm -Ln --exact -t|-u|--sctp-service ADDR:PORT`: one virtual server's connection counters. */
export async function readServiceConnections(exec: Exec, serviceKey: string): Promise<{ stdout: string; durationMs: number }> {
  const result = await exec({ file: 'ipvsadm', args: ['-L', '-n', '--exact', ...serviceKey.split(' ')] });
  // A virtual server that is gone already has no connections to wait for.
  return { stdout: result.exitCode === 0 ? result.stdout : '', durationMs: result.durationMs };
}
