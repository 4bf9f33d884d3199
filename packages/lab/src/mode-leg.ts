// One mode's leg on a built cluster: `kpx run --proxy-mode MODE` on every node, the standard
// tools' traffic through the service VIP (with the daemons' CPU and memory), every service type
// and endpoint, and API change to traffic.
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { isInsideKernelVm } from '@kpx/vm/job-script.ts';
import { API_CHANGE_WAIT_MS, measureApiChanges } from './api-change.ts';
import { toFigure } from './figure-stats.ts';
import type { ProcessGroup } from './lab-process.ts';
import { measureLeg, runTrafficClient, type MeasureOptions, type Target } from './measure.ts';
import { cleanupNodes, DaemonStartError, loggedSyncDurations, startNodeDaemons, type NodeDaemons } from './node-daemons.ts';
import type { Progress } from './progress.ts';
import type { LabSample, LegReport, SpreadCheck } from './report-types.ts';
import type { LabTopology } from './topology.ts';
import { NODE_PORTS, VIPS } from './workload.ts';

export interface ModeLegContext {
  readonly exec: Exec;
  readonly group: ProcessGroup;
  readonly topology: LabTopology;
  readonly api: ApiServerHandle;
  readonly progress: Progress;
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

/**
 * How long the daemons get for their first full sync: it grows with the services, and triples
 * inside the kernel VM, whose emulated CPU starts node processes many times slower.
 */
export function firstSyncTimeoutMs(services: number): number {
  const nativeMs = 30_000 + services * 10;
  return isInsideKernelVm() ? 3 * nativeMs : nativeMs;
}

/** The backend node1's daemon logged choosing (`iptables backend chosen`). */
function chosenIptablesBackend(daemons: NodeDaemons): string | undefined {
  for (const line of daemons.daemons[0]?.lines ?? []) {
    if (!line.includes('iptables backend chosen')) continue;
    try {
      const backend = (JSON.parse(line) as { backend?: unknown }).backend;
      if (typeof backend === 'string') return backend;
    } catch {
      // not a log line
    }
  }
  return undefined;
}

export interface ModeLeg {
  readonly report: LegReport;
  readonly samples: readonly Omit<LabSample, 'network' | 'leg'>[];
}

/** `cleanUp`: run `kpx run --cleanup` after the leg; not needed when the namespaces go next, taking the rules with them. */
export async function runModeLeg(
  context: ModeLegContext,
  mode: string,
  syntheticServices: number,
  target: Target,
  fromNetns: string,
  cleanUp: boolean,
  measureOptions: (kpxPids: readonly number[]) => MeasureOptions,
): Promise<ModeLeg> {
  const { exec, group, topology, api, progress } = context;
  const network = topology.network;
  progress.step(`${network} ${mode}: starting kpx run --proxy-mode ${mode} on ${topology.nodes.map((n) => n.name).join(', ')}`);
  let daemons;
  try {
    daemons = await startNodeDaemons(group, mode, api.url, topology.nodes, firstSyncTimeoutMs(syntheticServices));
  } catch (error) {
    await cleanupNodes(exec, mode, topology.nodes).catch(() => undefined);
    if (!(error instanceof DaemonStartError)) throw error;
    return {
      report: { name: mode, network, status: error.isUnavailable ? 'skipped' : 'failed', reason: `kpx run did not start: ${error.message.slice(0, 300)}` },
      samples: [],
    };
  }
  try {
    progress.step(`${network} ${mode}: iperf3 and wrk through the service VIP`);
    const pids = daemons.daemons.map((daemon) => daemon.child.pid).filter((pid): pid is number => pid !== undefined);
    const measured = await measureLeg(exec, fromNetns, target, measureOptions(pids));
    progress.step(`${network} ${mode}: every service type, every endpoint`);
    const checks = await spreadChecks(exec, topology);
    progress.step(`${network} ${mode}: API change to traffic (an endpoint scaled away)`);
    const delays = await measureApiChanges(group, api, topology.pods, fromNetns, 3, (index, total) =>
      progress.bar(`${network} ${mode}: endpoint removal ${index + 1} of ${total}`, index, total),
    );
    const node1 = daemons.daemons[0];
    const syncs = node1 === undefined ? [] : loggedSyncDurations(node1);
    const backend = chosenIptablesBackend(daemons);
    return {
      report: {
        name: mode,
        network,
        status: 'ok',
        figures: {
          ...measured.figures,
          apiChangeP50Ms: toFigure(median(delays)),
          apiChangeMaxMs: toFigure(Math.max(...delays)),
          firstSyncMs: toFigure(daemons.firstSyncMs),
          syncP50Ms: toFigure(median(syncs.slice(1))),
        },
        spread: measured.spread,
        gaps: measured.gaps,
        checks,
        node1SyncsMs: syncs,
        apiChanges: { followed: delays.filter(Number.isFinite).length, total: delays.length, waitMs: API_CHANGE_WAIT_MS },
        ...(backend === undefined ? {} : { iptablesBackend: backend }),
      },
      samples: measured.samples,
    };
  } catch (error) {
    return { report: { name: mode, network, status: 'failed', reason: error instanceof Error ? error.message.slice(0, 400) : String(error) }, samples: [] };
  } finally {
    await daemons.stop();
    if (cleanUp) await cleanupNodes(exec, mode, topology.nodes).catch(() => undefined);
  }
}
