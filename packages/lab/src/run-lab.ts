// `kpx lab`, top-down: clean leftovers, build the namespaces, seed the API server, start the
// pod servers, measure the direct baseline, then each mode in turn through `kpx run`; write
// the report. Everything is torn down at the end (unless kept) and on abort.
import { availableParallelism, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { isInsideKernelVm } from '@kpx/vm/job-script.ts';
import { API_CHANGE_WAIT_MS, measureApiChanges } from './api-change.ts';
import { ProcessGroup } from './lab-process.ts';
import { measureLeg, runTrafficClient, type MeasureOptions, type Target } from './measure.ts';
import { cleanupNodes, DaemonStartError, loggedSyncDurations, modeUnavailableReason, startNodeDaemons } from './node-daemons.ts';
import type { Progress } from './progress.ts';
import { runLegsInKernelVm } from './kernel-vm-leg.ts';
import { DIRECT_LEG, type LabReport, type LegReport, type SpreadCheck } from './report-types.ts';
import { buildLabTopology, cleanupLabLeftovers, type LabTopology } from './topology.ts';
import { labWorkload, NODE_PORTS, VIPS } from './workload.ts';

const POD_SERVER = fileURLToPath(new URL('./agent/pod-server.ts', import.meta.url));

export interface LabSettings {
  readonly modes: readonly string[];
  readonly measureSeconds: number;
  readonly syntheticServices: number;
  readonly streams: number;
  readonly keep: boolean;
}

export interface LabRun {
  readonly report: LabReport;
  /** Set when --keep left the lab up: how to enter it. */
  readonly kept?: { readonly topology: LabTopology; readonly apiUrl: string; readonly mode: string; readonly stop: () => Promise<void> };
}

const median = (values: readonly number[]): number => {
  const sorted = values.filter(Number.isFinite).toSorted((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN);
};

async function spreadChecks(exec: Exec, topology: LabTopology): Promise<SpreadCheck[]> {
  const [node1, node2] = topology.nodes;
  const podA = topology.pods[0];
  if (podA === undefined) return [];
  const all = topology.pods.map((pod) => pod.name);
  const onNode2 = topology.pods.filter((pod) => pod.nodeName === node2.name).map((pod) => pod.name);
  const probes = [
    { service: 'web (ClusterIP)', from: podA.netns, address: VIPS.web, port: 80, expectedPods: all },
    { service: 'sticky (ClientIP affinity)', from: podA.netns, address: VIPS.affinity, port: 80, expectedPods: all },
    { service: 'nodeport (NodePort)', from: topology.client.netns, address: node1.ip, port: NODE_PORTS.nodePort, expectedPods: all },
    { service: 'local (externalTrafficPolicy Local)', from: topology.client.netns, address: node2.ip, port: NODE_PORTS.local, expectedPods: onNode2 },
    { service: 'lb (LoadBalancer ingress)', from: topology.client.netns, address: VIPS.loadBalancerIngress, port: 80, expectedPods: all },
  ];
  // All at once: each probe is its own short-lived client process, and the probes are independent.
  return Promise.all(
    probes.map(async (probe): Promise<SpreadCheck> => {
      const result = await runTrafficClient(exec, probe.from, 'spread', { host: probe.address, port: probe.port, count: 40 });
      return {
        service: probe.service,
        from: probe.from,
        address: `${probe.address}:${probe.port}`,
        byPod: (result['byPod'] ?? {}) as Record<string, number>,
        errors: typeof result['errors'] === 'number' ? result['errors'] : Number.NaN,
        expectedPods: probe.expectedPods,
      };
    }),
  );
}

interface LabContext {
  readonly exec: Exec;
  readonly group: ProcessGroup;
  readonly topology: LabTopology;
  readonly api: ApiServerHandle;
  readonly settings: LabSettings;
  readonly progress: Progress;
}

function measureOptions(context: LabContext, leg: string): MeasureOptions {
  return {
    durationMs: context.settings.measureSeconds * 1000,
    streams: context.settings.streams,
    onTest: (name, index, total) => context.progress.bar(`${leg}: ${name}`, index, total),
  };
}

/**
 * How long the daemons get for their first full sync: it grows with the services (27 s at 10 000
 * here), and triples inside the kernel VM, whose emulated CPU takes 15-30 s to start two daemons.
 */
function firstSyncTimeoutMs(services: number): number {
  const nativeMs = 30_000 + services * 10;
  return isInsideKernelVm() ? 3 * nativeMs : nativeMs;
}

/** `cleanUp`: run `kpx run --cleanup` after the leg; not needed when the namespaces go next, taking the rules with them. */
async function runModeLeg(context: LabContext, mode: string, benchTarget: Target, fromNetns: string, cleanUp: boolean): Promise<LegReport> {
  const { exec, group, topology, api, progress } = context;
  progress.step(`${mode}: starting kpx run --proxy-mode ${mode} on ${topology.nodes.map((n) => n.name).join(', ')}`);
  let daemons;
  try {
    daemons = await startNodeDaemons(group, mode, api.url, topology.nodes, firstSyncTimeoutMs(context.settings.syntheticServices));
  } catch (error) {
    await cleanupNodes(exec, mode, topology.nodes).catch(() => undefined);
    if (!(error instanceof DaemonStartError)) throw error;
    return { name: mode, status: error.isUnavailable ? 'skipped' : 'failed', reason: `kpx run did not start: ${error.message.slice(0, 300)}` };
  }
  try {
    progress.step(`${mode}: traffic through the service VIP`);
    const figures = await measureLeg(exec, fromNetns, benchTarget, measureOptions(context, mode));
    progress.step(`${mode}: every service type, every endpoint`);
    const checks = await spreadChecks(exec, topology);
    progress.step(`${mode}: API change to traffic (an endpoint scaled away)`);
    const delays = await measureApiChanges(group, api, topology.pods, fromNetns, 3, (index, total) => progress.bar(`${mode}: endpoint removal ${index + 1} of ${total}`, index, total));
    return {
      name: mode,
      status: 'ok',
      figures: {
        ...figures,
        apiChangeP50Ms: median(delays),
        apiChangeMaxMs: Math.max(...delays),
        firstSyncMs: daemons.firstSyncMs,
        syncP50Ms: median(daemons.daemons[0] === undefined ? [] : loggedSyncDurations(daemons.daemons[0]).slice(1)),
      },
      checks,
      node1SyncsMs: daemons.daemons[0] === undefined ? [] : loggedSyncDurations(daemons.daemons[0]),
      apiChanges: { followed: delays.filter(Number.isFinite).length, total: delays.length, waitMs: API_CHANGE_WAIT_MS },
    };
  } catch (error) {
    return { name: mode, status: 'failed', reason: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await daemons.stop();
    if (cleanUp) await cleanupNodes(exec, mode, topology.nodes).catch(() => undefined);
  }
}

async function startPodServers(group: ProcessGroup, topology: LabTopology): Promise<void> {
  const servers = topology.pods.map((pod) => group.start(`server in ${pod.name}`, pod.netns, process.execPath, [POD_SERVER, '--name', pod.name]));
  await Promise.all(servers.map((server) => server.waitForLine((line) => line === 'ready', 15_000)));
}

export async function runLab(exec: Exec, settings: LabSettings, progress: Progress, signal: AbortSignal): Promise<LabRun> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const group = new ProcessGroup();
  progress.step('cleaning up leftovers of earlier labs');
  const leftovers = await cleanupLabLeftovers(exec);
  if (leftovers.length > 0) progress.step(`removed ${leftovers.length} leftover namespaces`);
  let topology: LabTopology | undefined;
  let api: ApiServerHandle | undefined;
  const teardown = async (): Promise<void> => {
    await group.killAll();
    await api?.stop();
    await topology?.teardown();
  };
  const onAbort = (): void => void teardown().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    progress.step('building the cluster: 2 nodes, 4 pods, a client (network namespaces)');
    topology = await buildLabTopology(exec);
    signal.throwIfAborted();
    progress.step(`starting the API server: demo workload + ${settings.syntheticServices} synthetic services`);
    api = await startApiServer({ seed: labWorkload(topology, settings.syntheticServices) });
    signal.throwIfAborted();
    progress.step('starting the pod servers');
    await startPodServers(group, topology);
    signal.throwIfAborted();
    const [podA, podC] = [topology.pods[0], topology.pods[2]];
    if (podA === undefined || podC === undefined) throw new Error('the lab has four pods');
    const context: LabContext = { exec, group, topology, api, settings, progress };
    const legs: LegReport[] = [];
    progress.step('direct: pod-a to pod-c across the nodes, no service (baseline)');
    const direct: Target = { echo: { host: podC.ip, port: 8080 }, sink: { host: podC.ip, port: 5201 }, udp: { host: podC.ip, port: 8080 } };
    legs.push({ name: DIRECT_LEG, status: 'ok', figures: await measureLeg(exec, podA.netns, direct, measureOptions(context, 'direct')) });
    const viaService: Target = { echo: { host: VIPS.bench, port: 80 }, sink: { host: VIPS.bench, port: 5201 }, udp: { host: VIPS.dns, port: 53 } };
    for (const [index, mode] of settings.modes.entries()) {
      signal.throwIfAborted();
      const unavailable = await modeUnavailableReason(exec, mode, topology.nodes[0]);
      const isLast = index === settings.modes.length - 1;
      if (unavailable === undefined) legs.push(await runModeLeg(context, mode, viaService, podA.netns, settings.keep || !isLast));
      else legs.push(...(await runLegsInKernelVm({ ...settings, mode }, unavailable, progress, signal)));
    }
    const endpointsSeen = new Set<string>();
    for (const leg of legs) {
      if (leg.status === 'ok' && 'checks' in leg) for (const check of leg.checks) for (const [pod, count] of Object.entries(check.byPod)) if (count > 0) endpointsSeen.add(pod);
    }
    const report: LabReport = {
      startedAt,
      durationS: (performance.now() - started) / 1000,
      settings: { modes: settings.modes, measureSeconds: settings.measureSeconds, syntheticServices: settings.syntheticServices, streams: settings.streams },
      host: { cpus: availableParallelism(), kernel: release() },
      legs,
      endpointsSeen: [...endpointsSeen].sort(),
    };
    const lastMode = legs.findLast((leg) => leg.status === 'ok' && 'checks' in leg && leg.kernelVm === undefined);
    if (settings.keep && lastMode !== undefined) {
      progress.step(`keeping the lab up with kpx run --proxy-mode ${lastMode.name} on every node`);
      await startNodeDaemons(group, lastMode.name, api.url, topology.nodes, firstSyncTimeoutMs(settings.syntheticServices));
      return { report, kept: { topology, apiUrl: api.url, mode: lastMode.name, stop: teardown } };
    }
    progress.step('tearing the lab down');
    await teardown();
    return { report };
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
