// The machine a lab ran on, for report.json: CPU model and count, kernel, and the versions of
// the tools the figures come from.
import { readFile } from 'node:fs/promises';
import { availableParallelism, release } from 'node:os';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import type { LabEnvironment } from './report-types.ts';
import { firstLine } from './tool-output.ts';

const TOOL_VERSIONS: readonly { readonly name: string; readonly args: readonly string[] }[] = [
  { name: 'iperf3', args: ['--version'] },
  { name: 'wrk', args: ['-v'] },
  { name: 'nginx', args: ['-v'] },
  { name: 'nft', args: ['-v'] },
];

async function toolVersion(exec: Exec, file: string, args: readonly string[]): Promise<string> {
  // wrk -v exits 1 and nginx -v prints on stderr: whichever stream has the text.
  const result = await exec({ file, args: [...args] }).catch((error: unknown) => ({ stdout: '', stderr: `not runnable: ${String(error)}` }));
  return firstLine(result.stdout.trim() === '' ? result.stderr : result.stdout);
}

export async function describeEnvironment(exec: Exec, sysctls: readonly string[]): Promise<LabEnvironment> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const tools: Record<string, string> = {};
  for (const tool of TOOL_VERSIONS) tools[tool.name] = await toolVersion(exec, tool.name, tool.args);
  return { cpuModel, cpus: availableParallelism(), kernel: release(), tools, sysctls };
}
