// `kpx lab`, top-down: clean leftovers; for each pod network, build the cluster over it and
// measure the direct baseline and every host mode (network-legs.ts); then the modes the host
// kernel cannot run, in the kernel VM; describe the machine; write the report. Everything is
// torn down at the end (unless kept) and on abort.
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { describeEnvironment } from './environment.ts';
import { runLegsInKernelVm } from './kernel-vm-leg.ts';
import { ProcessGroup } from './lab-process.ts';
import { runNetworkLegs, type NetworkContext } from './network-legs.ts';
import { firstSyncTimeoutMs } from './mode-leg.ts';
import { modeUnavailableReason, startNodeDaemons } from './node-daemons.ts';
import { networkUnavailableReason, type LabNetwork } from './pod-network.ts';
import type { Progress } from './progress.ts';
import type { LabReport, LabSample, LegReport, NetworkReport } from './report-types.ts';
import { cleanupLabLeftovers, LAB_PREFIX_BASE, type LabTopology } from './topology.ts';

export interface LabSettings {
  readonly networks: readonly LabNetwork[];
  readonly modes: readonly string[];
  readonly measureSeconds: number;
  readonly repeat: number;
  readonly syntheticServices: number;
  readonly streams: number;
  readonly keep: boolean;
}

export interface LabRun {
  readonly report: LabReport;
  /** Set when --keep left the lab up: how to enter it. */
  readonly kept?: { readonly topology: LabTopology; readonly apiUrl: string; readonly mode: string; readonly stop: () => Promise<void> };
}

/** Host modes, and the modes this kernel cannot run with the reason (they go to the kernel VM). */
async function splitModes(exec: Exec, modes: readonly string[]): Promise<{ host: string[]; elsewhere: { mode: string; reason: string }[] }> {
  const host: string[] = [];
  const elsewhere: { mode: string; reason: string }[] = [];
  for (const mode of modes) {
    const reason = await modeUnavailableReason(exec, mode);
    if (reason === undefined) host.push(mode);
    else elsewhere.push({ mode, reason });
  }
  return { host, elsewhere };
}

function endpointsSeenIn(legs: readonly LegReport[]): string[] {
  const seen = new Set<string>();
  for (const leg of legs) {
    if (leg.status === 'ok' && 'checks' in leg)
      for (const check of leg.checks) for (const [pod, count] of Object.entries(check.byPod)) if (count > 0) seen.add(pod);
  }
  return [...seen].sort();
}

export async function runLab(exec: Exec, settings: LabSettings, progress: Progress, signal: AbortSignal): Promise<LabRun> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const group = new ProcessGroup();
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async (): Promise<void> => {
    await group.killAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  const onAbort = (): void => void teardown().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    progress.step('cleaning up leftovers of earlier labs');
    const leftovers = await cleanupLabLeftovers(exec);
    if (leftovers.length > 0) progress.step(`removed ${leftovers.length} leftover namespaces`);
    const { host: hostModes, elsewhere } = await splitModes(exec, settings.modes);
    const context: NetworkContext = { exec, group, progress, signal, cleanups };
    const legs: LegReport[] = [];
    const samples: LabSample[] = [];
    const networks: NetworkReport[] = [];
    const sysctls = new Set<string>();
    let kept: LabRun['kept'];
    for (const [index, network] of settings.networks.entries()) {
      signal.throwIfAborted();
      const unavailable = await networkUnavailableReason(exec, network, LAB_PREFIX_BASE);
      if (unavailable !== undefined) {
        progress.step(`${network}: skipped: ${unavailable}`);
        networks.push({ name: network, status: 'skipped', reason: unavailable });
        legs.push({ name: 'every mode', network, status: 'skipped', reason: unavailable });
        continue;
      }
      const keepThis = settings.keep && index === settings.networks.length - 1;
      const run = await runNetworkLegs(context, network, { ...settings, modes: hostModes, keep: keepThis });
      legs.push(...run.legs);
      samples.push(...run.samples);
      networks.push(run.network);
      for (const sysctl of run.sysctls) sysctls.add(sysctl);
      const lastMode = run.legs.findLast((leg) => leg.status === 'ok' && 'checks' in leg);
      if (run.kept !== undefined && lastMode !== undefined) {
        progress.step(`keeping the lab up with kpx run --proxy-mode ${lastMode.name} on every node`);
        await startNodeDaemons(group, lastMode.name, run.kept.api.url, run.kept.topology.nodes, firstSyncTimeoutMs(settings.syntheticServices));
        kept = { topology: run.kept.topology, apiUrl: run.kept.api.url, mode: lastMode.name, stop: teardown };
      } else {
        progress.step(`${network}: tearing the cluster down`);
        await teardown();
      }
    }
    for (const { mode, reason } of elsewhere) {
      signal.throwIfAborted();
      legs.push(...(await runLegsInKernelVm({ ...settings, mode }, reason, progress, signal)));
    }
    const report: LabReport = {
      startedAt,
      durationS: (performance.now() - started) / 1000,
      settings: {
        networks: settings.networks,
        modes: settings.modes,
        measureSeconds: settings.measureSeconds,
        repeat: settings.repeat,
        syntheticServices: settings.syntheticServices,
        streams: settings.streams,
      },
      host: await describeEnvironment(exec, [...sysctls]),
      networks,
      legs,
      samples,
      endpointsSeen: endpointsSeenIn(legs),
    };
    return kept === undefined ? { report } : { report, kept };
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
