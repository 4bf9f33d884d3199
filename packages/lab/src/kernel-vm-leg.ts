// A mode the host kernel cannot run (ipvs without ip_vs) runs inside the kernel VM (src/vm):
// `kpx lab --modes MODE --json` there builds its own small lab and measures its own direct
// baseline, since figures from an emulated CPU compare only with each other. Its progress is
// relayed as it happens; its legs join the host's report, marked as run in the VM.
import { fileURLToPath } from 'node:url';
import { lineSplitter } from '@kpx/agent/lines.ts';
import { prepareVm, runInVm } from '@kpx/vm/run-in-vm.ts';
import { isInsideKernelVm } from '@kpx/vm/job-script.ts';
import { VmUnavailableError } from '@kpx/vm/prerequisites.ts';
import type { Progress } from './progress.ts';
import { DIRECT_LEG, type KernelVmRun, type LabReport, type LegReport } from './report-types.ts';

const KPX = fileURLToPath(new URL('../../../bin/kpx.mjs', import.meta.url));

/**
 * What a lab node running ipvs (its ipsets and iptables rules) and the lab's bridges need in the
 * guest. br_netfilter: without it a pod's reply to a same-node pod skips the node's conntrack.
 */
const KERNEL_VM_MODULES = [
  'nf_tables',
  'nf_conntrack',
  'ip_vs',
  'ip_vs_rr',
  'ip_vs_sh',
  'veth',
  'bridge',
  'br_netfilter',
  'xt_set',
  'ip_set',
  'xt_physdev',
  'xt_ipvs',
];

export const KERNEL_VM_SUFFIX = ' (kernel VM)';

export interface KernelVmLegSettings {
  readonly mode: string;
  readonly measureSeconds: number;
  readonly syntheticServices: number;
  readonly streams: number;
}

/** The VM's limit: its boot, a lab inside on an emulated CPU (several times slower than the host's), power-off. */
export function kernelVmTimeoutMs(settings: KernelVmLegSettings): number {
  return 300_000 + settings.measureSeconds * 60_000 + settings.syntheticServices * 60;
}

/** `[ 12.3s] text` → text; a bar line `[ 12.3s]   [####......] label` → its fill and label. */
export function relayLine(progress: Progress, prefix: string, line: string): void {
  const text = line.replace(/^\[\s*[\d.]+s\]\s?/, '');
  const bar = /^\s*\[([#.]+)\] (.*)$/.exec(text);
  if (bar !== null) {
    const cells = bar[1] ?? '';
    progress.bar(`${prefix}${bar[2] ?? ''}`, cells.replace(/\./g, '').length, cells.length);
  } else if (text.trim() !== '') {
    progress.step(`${prefix}${text}`);
  }
}

function parseReport(stdout: string): LabReport | undefined {
  try {
    const report = JSON.parse(stdout) as LabReport;
    return Array.isArray(report.legs) ? report : undefined;
  } catch {
    return undefined;
  }
}

/** The VM's legs as the host reports them: renamed with KERNEL_VM_SUFFIX, each mode compared with the VM's own direct leg. */
export function adoptKernelVmLegs(inner: LabReport, vm: KernelVmRun): LegReport[] {
  const rename = (name: string): string => `${name}${KERNEL_VM_SUFFIX}`;
  return inner.legs.map((leg): LegReport => {
    if (leg.status !== 'ok') return { ...leg, name: rename(leg.name), reason: `in the kernel VM: ${leg.reason}` };
    if (!('checks' in leg)) return { ...leg, name: rename(leg.name), kernelVm: vm };
    return { ...leg, name: rename(leg.name), baseline: rename(leg.baseline ?? DIRECT_LEG), kernelVm: vm };
  });
}

/** Runs `mode` in the kernel VM; a VM that cannot start here gives one skipped leg saying why. */
export async function runLegsInKernelVm(settings: KernelVmLegSettings, hostReason: string, progress: Progress, signal: AbortSignal): Promise<LegReport[]> {
  const { mode } = settings;
  const name = `${mode}${KERNEL_VM_SUFFIX}`;
  const network = 'routed';
  if (isInsideKernelVm()) return [{ name: mode, network, status: 'skipped', reason: hostReason }];
  progress.step(
    `${mode}: ${hostReason}; running this leg inside the kernel VM (Debian's kernel under qemu, emulated CPU: slower, compared with the VM's own direct baseline)`,
  );
  const relay = lineSplitter((line) => relayLine(progress, `${name}: `, line));
  let run;
  try {
    progress.step(`${name}: preparing the VM (the first time, Debian's kernel package is downloaded into .cache/kernel)`);
    await prepareVm(KERNEL_VM_MODULES);
    run = await runInVm({
      command: [
        process.execPath,
        KPX,
        'lab',
        '--json',
        '--network',
        network,
        '--modes',
        mode,
        '--duration',
        String(settings.measureSeconds),
        '--services',
        String(settings.syntheticServices),
        '--streams',
        String(settings.streams),
      ],
      modules: KERNEL_VM_MODULES,
      timeoutMs: kernelVmTimeoutMs(settings),
      memoryMb: 3072,
      signal,
      onStderr: (_index, text) => relay(text),
    });
  } catch (error) {
    signal.throwIfAborted();
    const why = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    if (error instanceof VmUnavailableError)
      return [{ name: mode, network, status: 'skipped', reason: `${hostReason}, and the kernel VM cannot run here: ${why}` }];
    return [{ name, network, status: 'failed', reason: `the kernel VM run failed: ${why.slice(0, 400)}` }];
  }
  const inner = parseReport(run.stdout);
  if (inner === undefined) {
    const tail = run.stderr.trim().split('\n').slice(-3).join(' | ');
    return [{ name, network, status: 'failed', reason: `kpx lab inside the kernel VM exited ${run.exitCode} without a report: ${tail.slice(0, 400)}` }];
  }
  return adoptKernelVmLegs(inner, { kernel: run.kernelRelease, vmSeconds: run.vmMs / 1000 });
}
