// `kpx run --netns NODE` on every lab node: the real daemon process, as in production.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import type { LabProcess, ProcessGroup } from './lab-process.ts';
import { withProbeNamespace } from './netns-wiring.ts';
import { LAB_CLUSTER_CIDR, LAB_PREFIX_BASE, type LabNode } from './topology.ts';

const KPX = fileURLToPath(new URL('../../../bin/kpx.mjs', import.meta.url));

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

// A lab leg lasts about a minute: the periodic full resync (kube-proxy's 30 s default) would
// land inside the measurements at random, and at thousands of services hold up the partial
// syncs behind it. The first sync is full and is reported; the period is set out of the way.
function syncFlags(mode: string): string[] {
  if (mode === 'ipvs') return ['--ipvs-min-sync-period', '100ms', '--ipvs-sync-period', '1h'];
  return ['--iptables-min-sync-period', '100ms', '--iptables-sync-period', '1h'];
}

export function kpxRunArgs(mode: string, apiUrl: string, node: LabNode, healthzPort: number, metricsPort: number): string[] {
  return [
    // JSON lines at V(2): the per-sync lines the lab measures.
    KPX,
    'run',
    '--logging-format=json',
    '-v=2',
    '--proxy-mode',
    mode,
    '--master',
    apiUrl,
    '--hostname-override',
    node.name,
    '--netns',
    node.netns,
    '--cluster-cidr',
    LAB_CLUSTER_CIDR,
    '--healthz-bind-address',
    `127.0.0.1:${healthzPort}`,
    '--metrics-bind-address',
    `127.0.0.1:${metricsPort}`,
    ...syncFlags(mode),
  ];
}

export interface SyncLine {
  readonly msg?: string;
  readonly applied?: boolean;
  readonly full?: boolean;
  readonly durationMs?: number;
}

function parseLogLine(line: string): SyncLine | undefined {
  try {
    return JSON.parse(line) as SyncLine;
  } catch {
    return undefined;
  }
}

export const isAppliedSync = (line: string): boolean => {
  const parsed = parseLogLine(line);
  return parsed?.msg === 'sync done' && parsed.applied === true;
};

/** The durations of the applied syncs a daemon logged, in order. */
export function loggedSyncDurations(daemon: LabProcess): number[] {
  const durations: number[] = [];
  for (const line of daemon.lines) {
    const parsed = parseLogLine(line);
    if (parsed?.msg === 'sync done' && parsed.applied === true && typeof parsed.durationMs === 'number') durations.push(parsed.durationMs);
  }
  return durations;
}

/**
 * A daemon that did not reach its first sync. `isUnavailable`: it refused the mode here (bad
 * arguments, or a mode this kernel or build cannot run), which makes the mode
 * skipped rather than failed.
 */
export class DaemonStartError extends Error {
  readonly isUnavailable: boolean;
  constructor(message: string, isUnavailable: boolean, cause: unknown) {
    super(message, { cause });
    this.isUnavailable = isUnavailable;
  }
}

export interface NodeDaemons {
  readonly daemons: readonly LabProcess[];
  /** node1's first applied sync, as logged. */
  readonly firstSyncMs: number;
  stop(): Promise<void>;
}

/** Starts one daemon per node and resolves once each has applied its first sync. */
export async function startNodeDaemons(
  group: ProcessGroup,
  mode: string,
  apiUrl: string,
  nodes: readonly LabNode[],
  firstSyncTimeoutMs: number,
): Promise<NodeDaemons> {
  const daemons: LabProcess[] = [];
  for (const node of nodes) {
    const args = kpxRunArgs(mode, apiUrl, node, await freeLoopbackPort(), await freeLoopbackPort());
    daemons.push(group.start(`kpx run --proxy-mode ${mode} on ${node.name}`, '', process.execPath, args));
  }
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map((daemon) => daemon.stop('SIGTERM')));
  };
  try {
    const synced = await Promise.all(daemons.map((daemon) => daemon.waitForLine(isAppliedSync, firstSyncTimeoutMs)));
    const first = parseLogLine(synced[0] ?? '');
    return { daemons, firstSyncMs: first?.durationMs ?? Number.NaN, stop };
  } catch (error) {
    const failed = daemons.find((daemon) => (daemon.child.exitCode !== null && daemon.child.exitCode !== 0) || daemon.child.signalCode !== null);
    await stop();
    if (failed !== undefined) {
      const reason = describeDaemonExit(failed);
      throw new DaemonStartError(reason, failed.child.exitCode === 2 || /not (supported|implemented)/.test(reason), error);
    }
    throw new DaemonStartError(`no first sync within ${Math.round(firstSyncTimeoutMs / 1000)} s on every node`, false, error);
  }
}

/** Why a daemon exited: its usage complaint, or its last error-level log line, or its exit status. */
export function describeDaemonExit(daemon: LabProcess): string {
  const complaint = /kpx run: ([^\n]+)/.exec(daemon.output())?.[1];
  if (complaint !== undefined) return complaint;
  for (const line of daemon.lines.toReversed()) {
    let parsed: { level?: number; msg?: string; err?: { message?: string } };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      continue;
    }
    if ((parsed.level ?? 0) >= 50) return [parsed.msg, parsed.err?.message].filter((part) => part !== undefined).join(': ');
  }
  return `${daemon.label} exited ${daemon.child.exitCode ?? daemon.child.signalCode ?? '?'}`;
}

/** `kpx run --cleanup` for the mode on every node: the next mode starts from a clean node. */
export async function cleanupNodes(exec: Exec, mode: string, nodes: readonly LabNode[]): Promise<void> {
  await Promise.all(
    nodes.map((node) =>
      execOk(exec, { file: process.execPath, args: [KPX, 'run', '--cleanup', '--proxy-mode', mode, '--netns', node.netns], timeoutMs: 30_000 }),
    ),
  );
}

/** Why a mode cannot run here, or undefined. ipvs needs the kernel's ip_vs. */
export async function modeUnavailableReason(exec: Exec, mode: string): Promise<string | undefined> {
  if (mode !== 'ipvs') return undefined;
  const probe = await withProbeNamespace(exec, LAB_PREFIX_BASE, (netns) =>
    exec({ file: 'ip', args: ['netns', 'exec', netns, 'ipvsadm', '-Ln'] }).catch((error: unknown) => ({ exitCode: -1, stderr: String(error), stdout: '' })),
  );
  if (probe.exitCode === 0) return undefined;
  return `the host kernel has no IPVS (ipvsadm -Ln: ${probe.stderr.trim().split('\n')[0] ?? 'failed'})`;
}
