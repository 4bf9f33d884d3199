// One pod network's legs: build the cluster over it, seed the API server, start the pod
// servers and the standard tools' servers, measure the direct baseline, then each host mode
// through `kpx run`; tear the network down. Every resource is registered with the caller's
// cleanup stack first, so an abort (Ctrl-C) or a failure removes it too.
import { fileURLToPath } from 'node:url';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { isInsideKernelVm } from '@kpx/vm/job-script.ts';
import type { ProcessGroup } from './lab-process.ts';
import { measureLeg, type MeasureOptions, type Target } from './measure.ts';
import { runModeLeg } from './mode-leg.ts';
import { NODE_MTU, podMtu, tunnelDevice, type LabNetwork } from './pod-network.ts';
import type { Progress } from './progress.ts';
import { DIRECT_LEG, type LabSample, type LegReport, type NetworkReport } from './report-types.ts';
import { startToolServers } from './standard-tools.ts';
import { buildLabTopology, type LabTopology } from './topology.ts';
import { tunnelCounters, VXLAN_PORT, VXLAN_VNI } from './vxlan-overlay.ts';
import { BENCH_POD, HTTP_PORT, IPERF_PORT, labWorkload, VIPS } from './workload.ts';

const POD_SERVER = fileURLToPath(new URL('./agent/pod-server.ts', import.meta.url));

export interface NetworkSettings {
  readonly modes: readonly string[];
  readonly measureSeconds: number;
  readonly repeat: number;
  readonly syntheticServices: number;
  readonly streams: number;
  readonly keep: boolean;
}

export interface NetworkContext {
  readonly exec: Exec;
  readonly group: ProcessGroup;
  readonly progress: Progress;
  readonly signal: AbortSignal;
  /** Undo steps, run last-first by the caller on abort or at the end. */
  readonly cleanups: (() => Promise<void>)[];
}

export interface NetworkRun {
  readonly legs: LegReport[];
  readonly samples: LabSample[];
  readonly network: NetworkReport;
  readonly sysctls: readonly string[];
  /** Set with --keep: the cluster still up, for the caller to hand over. */
  readonly kept?: { readonly topology: LabTopology; readonly api: ApiServerHandle };
}

async function startPodServers(group: ProcessGroup, topology: LabTopology): Promise<void> {
  const servers = topology.pods.map((pod) => group.start(`server in ${pod.name}`, pod.netns, process.execPath, [POD_SERVER, '--name', pod.name]));
  // The kernel VM's emulated CPU starts a node process many times slower.
  const timeoutMs = isInsideKernelVm() ? 60_000 : 15_000;
  await Promise.all(servers.map((server) => server.waitForLine((line) => line === 'ready', timeoutMs)));
}

/** A device's MTU as the kernel has it (not as the lab meant it). */
async function readMtu(exec: Exec, netns: string, device: string): Promise<number | undefined> {
  const shown = await exec({ file: 'ip', args: ['-n', netns, '-j', 'link', 'show', device] });
  const mtu = shown.exitCode === 0 ? (JSON.parse(shown.stdout) as { mtu?: unknown }[])[0]?.mtu : undefined;
  return typeof mtu === 'number' ? mtu : undefined;
}

async function describeNetwork(context: NetworkContext, topology: LabTopology): Promise<NetworkReport> {
  const { exec } = context;
  const node1 = topology.nodes[0].netns;
  const device = tunnelDevice(topology.network);
  const base = {
    name: topology.network,
    status: 'ok' as const,
    podMtu: await readMtu(exec, topology.pods[0]?.netns ?? '', 'eth0'),
    nodeMtu: await readMtu(exec, node1, 'eth0'),
  };
  if (device === undefined) return base;
  const counters = (await tunnelCounters(exec, node1, device)) ?? null;
  const isVxlan = topology.network === 'vxlan';
  return {
    ...base,
    tunnel: {
      device,
      mtu: (await readMtu(exec, node1, device)) ?? Number.NaN,
      overheadBytes: NODE_MTU - podMtu(topology.network),
      node1: counters,
      ...(isVxlan ? { vni: VXLAN_VNI, udpPort: VXLAN_PORT } : {}),
    },
  };
}

export async function runNetworkLegs(context: NetworkContext, network: LabNetwork, settings: NetworkSettings): Promise<NetworkRun> {
  const { exec, group, progress, signal, cleanups } = context;
  progress.step(`${network}: building the cluster: 2 nodes, 4 pods, a client (network namespaces), pod network ${network}`);
  const topology = await buildLabTopology(exec, network);
  cleanups.push(() => topology.teardown());
  signal.throwIfAborted();
  progress.step(`${network}: starting the API server: demo workload + ${settings.syntheticServices} synthetic services`);
  const api = await startApiServer({ seed: labWorkload(topology, settings.syntheticServices) });
  cleanups.push(() => api.stop());
  progress.step(`${network}: starting the pod servers, iperf3 -s and nginx in ${BENCH_POD}`);
  await startPodServers(group, topology);
  const bench = topology.pods.find((pod) => pod.name === BENCH_POD);
  const podA = topology.pods[0];
  if (bench === undefined || podA === undefined) throw new Error('the lab has four pods');
  const tools = await startToolServers(exec, group, topology.prefix, bench.netns, { iperf: IPERF_PORT, http: HTTP_PORT });
  cleanups.push(() => tools.stop());
  signal.throwIfAborted();
  const options = (leg: string, kpxPids: readonly number[]): MeasureOptions => ({
    seconds: settings.measureSeconds,
    streams: settings.streams,
    repeat: settings.repeat,
    wrkScript: tools.wrkScript,
    kpxPids,
    onTest: (name, index, total) => progress.bar(`${network} ${leg}: ${name}`, index, total),
  });
  const legs: LegReport[] = [];
  const samples: LabSample[] = [];
  progress.step(`${network} direct: ${podA.name} to ${bench.name} across the nodes, no service (baseline)`);
  const direct = await measureLeg(exec, podA.netns, { host: bench.ip, iperfPort: IPERF_PORT, httpPort: HTTP_PORT }, options(DIRECT_LEG, []));
  legs.push({ name: DIRECT_LEG, network, status: 'ok', figures: direct.figures, spread: direct.spread, gaps: direct.gaps });
  samples.push(...direct.samples.map((sample) => ({ ...sample, network, leg: DIRECT_LEG })));
  const viaService: Target = { host: VIPS.bench, iperfPort: IPERF_PORT, httpPort: HTTP_PORT };
  for (const [index, mode] of settings.modes.entries()) {
    signal.throwIfAborted();
    const isLast = index === settings.modes.length - 1;
    const leg = await runModeLeg(
      { exec, group, topology, api, progress },
      mode,
      settings.syntheticServices,
      viaService,
      podA.netns,
      settings.keep || !isLast,
      (pids) => options(mode, pids),
    );
    legs.push(leg.report);
    samples.push(...leg.samples.map((sample) => ({ ...sample, network, leg: mode })));
  }
  const described = await describeNetwork(context, topology);
  return { legs, samples, network: described, sysctls: topology.sysctls, ...(settings.keep ? { kept: { topology, api } } : {}) };
}
