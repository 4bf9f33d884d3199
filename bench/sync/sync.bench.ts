// Sync benchmark: the real renderer and the real iptables-restore, in a throwaway network
// namespace, for N services × E endpoints, on each backend. Needs root.
//
//   node bench/sync/sync.bench.ts [--mode iptables|ipvs] [--backends legacy,nft] [--sizes 1000,10000]
//     [--endpoints 10] [--no-resync] [--build-up N] [--restore-timeout-s 900] [--vm-timeout-s 1800]
//
// --mode iptables (the default) is described below. --mode ipvs boots the kernel VM (the host
// kernel has no ip_vs; see test/kernel/README.md) and runs test/kernel/ipvs-bench.vm-script.ts in
// it: a full first sync, a full resync and a one-endpoint partial sync per size, each split into
// kpx's time and the tools' time. The VM's CPU is emulated (qemu TCG), so its figures, the tools'
// above all, are several-fold slower than on a native kernel. --backends, --no-resync and
// --restore-timeout-s apply to iptables only; --vm-timeout-s to ipvs only.
//
// --build-up N (iptables): reach each size as a growing cluster does, by a full sync of N services
// and then partial syncs adding N services each, instead of one full sync of the whole size. The
// nft backend's iptables-nft-restore needs superlinear time for one large payload (1k services
// 3.8 s, 2k 18.7 s; 10k did not finish in 14 minutes), so this is how its 10k table gets built.
//
// For each (backend, size): an initial full sync into empty tables, a full resync over the
// same rules (what the syncPeriod does), a partial sync after one endpoint of one service
// changed, and one that rewrites one service's chains unchanged (the tools' floor for a tiny
// payload on a table of that size). Each is split into kpx's own time (plan, payload, parsing
// iptables-save) and the external tools' time (iptables-restore, iptables-save, iptables -C).
import { parseArgs } from 'node:util';
import { runIpvsBenchInVm } from './ipvs-in-vm.ts';
import type { ChangeSet } from '@kpx/agent/diff/change-set.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import { iptablesMode } from '@kpx/agent/modes/iptables/index.ts';
import { dataplaneSettings } from '../../test/helpers/dataplane-settings.ts';
import type { IptablesBackend } from '@kpx/agent/netfilter/backend-detect.ts';
import { planIptables } from '@kpx/agent/modes/iptables/plan.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns } from '@kpx/agent/sys/netns.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../test/helpers/state-builders.ts';
import { uniquePrefix } from '../../test/helpers/topology.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'iptables' },
    backends: { type: 'string', default: 'legacy,nft' },
    sizes: { type: 'string', default: '1000,10000' },
    endpoints: { type: 'string', default: '10' },
    'no-resync': { type: 'boolean', default: false },
    'build-up': { type: 'string', default: '0' },
    'restore-timeout-s': { type: 'string', default: '900' },
    'vm-timeout-s': { type: 'string', default: '1800' },
  },
});
if (values.mode !== 'iptables' && values.mode !== 'ipvs') {
  console.error(`--mode must be iptables or ipvs, not ${JSON.stringify(values.mode)}`);
  process.exit(2);
}
const backends = values.backends.split(',') as IptablesBackend[];
const sizes = values.sizes.split(',').map(Number);
const endpointsPerService = Number(values.endpoints);
const buildUpStep = Number(values['build-up']);
if (!Number.isSafeInteger(buildUpStep) || buildUpStep < 0) {
  console.error('--build-up must be a whole number of services (0: one full sync)');
  process.exit(2);
}

const quad = (base: number, index: number): string => `10.${base + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

function servicePort(index: number, endpointOffset = 0): ServicePort {
  return makeServicePort(`ns${index % 100}`, `svc${index}`, 'http', (port) => {
    port.clusterIP = quad(96, index);
    port.port = 80;
    port.endpoints = Array.from({ length: endpointsPerService }, (_, j) =>
      makeEndpoint(quad(128, index * endpointsPerService + j + endpointOffset), 8080, (endpoint) => {
        endpoint.isLocal = j === 0;
      }),
    );
  });
}

function buildState(services: number): DesiredState {
  const node = makeNodeContext((context) => {
    context.nodeIPs = ['10.250.0.10'];
    context.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.128.0.0/9'] };
  });
  return makeState(
    Array.from({ length: services }, (_, index) => servicePort(index)),
    node,
  );
}

/** The state with one endpoint of service 0 replaced, and the ChangeSet diffStates would give. */
function changeOneEndpoint(state: DesiredState): { next: DesiredState; changed: ChangeSet } {
  const before = servicePort(0);
  const after = makeServicePort(before.namespace, before.name, before.portName, (port) => {
    port.clusterIP = before.clusterIP;
    port.endpoints = [...before.endpoints.all.slice(1), makeEndpoint(quad(200, 1), 8080)];
  });
  const servicePorts = new Map(state.servicePorts);
  servicePorts.set(after.servicePortName, after);
  const next = { node: state.node, servicePorts };
  const changed = { full: false, changed: new Set([after.servicePortName]), deleted: new Set<string>(), previous: new Map([[after.servicePortName, before]]) };
  return { next, changed };
}

/** A ChangeSet naming service 1 as changed although it is not: its chains are rewritten as they are. */
function rewriteOneServiceAsIs(state: DesiredState): ChangeSet {
  const name = servicePort(1).servicePortName;
  const current = state.servicePorts.get(name)!;
  return { full: false, changed: new Set([name]), deleted: new Set<string>(), previous: new Map([[name, current]]) };
}

interface Row {
  readonly backend: string;
  readonly services: number;
  readonly sync: string;
  readonly lines: number;
  readonly planMs: number;
  readonly toolMs: number;
  readonly restoreMs: number;
  readonly totalMs: number;
}

async function measure(backend: IptablesBackend, services: number): Promise<Row[]> {
  const netns = `${uniquePrefix('kpxb')}-bench`;
  await addNetns(realExec, netns);
  const rows: Row[] = [];
  try {
    const dataplane = iptablesMode.open(
      { exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() },
      dataplaneSettings({ backend, restoreTimeoutMs: Number(values['restore-timeout-s']) * 1000 }, { netns }),
    );
    await dataplane.setup();
    const state = buildState(services);
    const sync = async (name: string, next: DesiredState, changed?: ChangeSet): Promise<void> => {
      const started = performance.now();
      const plan = planIptables(next, changed);
      const planMs = performance.now() - started;
      const report = await dataplane.apply(plan);
      const totalMs = performance.now() - started;
      rows.push({
        backend,
        services,
        sync: name,
        lines: plan.restoreText.split('\n').length,
        planMs,
        toolMs: report.toolMs,
        restoreMs: report.figures['restoreMs'] ?? 0,
        totalMs,
      });
      process.stderr.write(`${backend} ${services} ${name}: ${totalMs.toFixed(0)} ms\n`);
    };
    if (buildUpStep > 0 && buildUpStep < services) {
      const steps: number[] = [];
      await sync(`full (initial, ${buildUpStep} services)`, buildState(buildUpStep));
      let current = buildState(buildUpStep);
      for (let count = buildUpStep; count < services;) {
        const added = Math.min(buildUpStep, services - count);
        const grown = buildState(count + added);
        const names = [...grown.servicePorts.keys()].filter((name) => !current.servicePorts.has(name));
        current = grown;
        const started = performance.now();
        await sync(`partial (+${added} services, to ${count + added})`, grown, {
          full: false,
          changed: new Set(names),
          deleted: new Set<string>(),
          previous: new Map(),
        });
        steps.push(performance.now() - started);
        count += added;
      }
      // Only the last growth step stays in the table: the one onto a table of (almost) the full size.
      rows.splice(1, rows.length - 2);
      process.stderr.write(`${backend} ${services}: built up in ${steps.length} partial syncs, ${(steps.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s\n`);
    } else {
      await sync('full (initial)', state);
    }
    if (!values['no-resync']) await sync('full (resync)', state);
    const { next, changed } = changeOneEndpoint(state);
    await sync('partial (1 endpoint)', next, changed);
    // The tools' floor: a partial sync that rewrites one service's 11 chains exactly as they are.
    await sync('partial (1 service as is)', next, rewriteOneServiceAsIs(next));
  } finally {
    await deleteNetns(realExec, netns);
  }
  return rows;
}

function printTable(rows: readonly Row[]): void {
  const header = ['backend', 'services', 'sync', 'restore lines', 'plan ms', 'restore ms', 'all tools ms', 'kpx ms', 'total ms', 'kpx share'];
  const body = rows.map((row) => {
    const kpxMs = row.totalMs - row.toolMs;
    return [
      row.backend,
      String(row.services),
      row.sync,
      String(row.lines),
      row.planMs.toFixed(1),
      row.restoreMs.toFixed(1),
      row.toolMs.toFixed(1),
      kpxMs.toFixed(1),
      row.totalMs.toFixed(1),
      `${((100 * kpxMs) / row.totalMs).toFixed(1)}%`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const format = (cells: readonly string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cells of body) console.log(format(cells));
}

if (values.mode === 'ipvs') {
  process.exitCode = await runIpvsBenchInVm({ sizes, endpointsPerService, vmTimeoutMs: Number(values['vm-timeout-s']) * 1000 });
} else {
  const rows: Row[] = [];
  for (const backend of backends) for (const services of sizes) rows.push(...(await measure(backend, services)));
  console.log(`\n${endpointsPerService} endpoints per service; node ${process.version}\n`);
  printTable(rows);
}
