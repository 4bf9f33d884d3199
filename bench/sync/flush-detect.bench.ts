// What the flush check costs (run about once a second between syncs), on a table of N services,
// on each iptables backend (netfilter/flush-canary.ts: `iptables -t nat|filter -S
// KUBE-PROXY-CANARY`) and in the nftables mode (modes/nftables/flush-canary.ts: `nft --check
// delete chain ip kube-proxy flush-canary`): legacy's libiptc fetches the whole table for any
// listing, so its cost grows with the table; iptables-nft asks the kernel for the one chain;
// nft validates one deletion without any cache. Needs root (and nft for `nftables`).
//
//   node bench/sync/flush-detect.bench.ts [--backends legacy,nft,nftables] [--sizes 10000]
//     [--endpoints 10] [--checks 30] [--build-up 1000]
//
// The table is built by kpx's own dataplane in a throwaway namespace: one full sync on legacy
// and nftables; on nft, whose iptables-nft-restore is superlinear in the payload, a full sync of
// --build-up services and partial syncs adding as many each (see sync.bench.ts). Then --checks
// checks, one after another, each timed (wall time, the spawn of the tool included), the
// share of time one check per second would take, and the interval the daemon's flush watch
// settles at (it waits FLUSH_CHECK_SPACING times as long as a check took, at least 1 s).
import { parseArgs } from 'node:util';
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import { iptablesMode } from '@kpx/agent/modes/iptables/index.ts';
import { openNftablesDataplane } from '@kpx/agent/modes/nftables/dataplane.ts';
import { createNftablesPlanner } from '@kpx/agent/modes/nftables/plan.ts';
import { iptablesTools, type IptablesBackend } from '@kpx/agent/netfilter/backend-detect.ts';
import { findFlushedTables } from '@kpx/agent/netfilter/flush-canary.ts';
import { FLUSH_CHECK_INTERVAL_MS, FLUSH_CHECK_SPACING } from '@kpx/agent/daemon/flush-watch.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { dataplaneSettings } from '../../test/helpers/dataplane-settings.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../test/helpers/state-builders.ts';
import { uniquePrefix } from '../../test/helpers/topology.ts';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'legacy,nft,nftables' },
    sizes: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '10' },
    checks: { type: 'string', default: '30' },
    'build-up': { type: 'string', default: '1000' },
  },
});
const endpointsPerService = Number(values.endpoints);
const checks = Number(values.checks);
const buildUpStep = Number(values['build-up']);

const quad = (base: number, index: number): string => `10.${base + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

function servicePort(index: number): ServicePort {
  return makeServicePort(`ns${index % 100}`, `svc${index}`, 'http', (port) => {
    port.clusterIP = quad(96, index);
    port.endpoints = Array.from({ length: endpointsPerService }, (_, j) => makeEndpoint(quad(128, index * endpointsPerService + j), 8080));
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

/** Fills the namespace's tables with `services` services, as kpx's dataplane writes them. */
async function buildTable(backend: IptablesBackend, netns: string, services: number): Promise<void> {
  const dataplane = iptablesMode.open(deps, dataplaneSettings({ backend, restoreTimeoutMs: 1_800_000 }, { netns }));
  await dataplane.setup();
  const first = backend === 'nft' && buildUpStep > 0 ? Math.min(buildUpStep, services) : services;
  let current = buildState(first);
  await dataplane.apply(iptablesMode.plan(current, {}));
  while (current.servicePorts.size < services) {
    const grown = buildState(Math.min(services, current.servicePorts.size + buildUpStep));
    const changed = new Set([...grown.servicePorts.keys()].filter((name) => !current.servicePorts.has(name)));
    await dataplane.apply(iptablesMode.plan(grown, {}, { full: false, changed, deleted: new Set(), previous: new Map() }));
    current = grown;
  }
}

type Backend = IptablesBackend | 'nftables';
const deps = { exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() };

/** Builds the table; resolves with one flush check, which names what it found lost. */
async function buildChecked(backend: Backend, netns: string, services: number): Promise<() => Promise<readonly string[]>> {
  if (backend === 'nftables') {
    const dataplane = openNftablesDataplane(deps, { netns, ipFamily: 'IPv4', timeoutMs: 1_800_000 });
    await dataplane.setup();
    await dataplane.apply(createNftablesPlanner({})(buildState(services)));
    return async () => (await dataplane.detectFlush!())?.lost ?? [];
  }
  await buildTable(backend, netns, services);
  const exec = execInNetns(realExec, netns);
  const tools = iptablesTools(backend, 'IPv4');
  return () => findFlushedTables(exec, tools);
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

async function measure(backend: Backend, services: number): Promise<string> {
  const netns = `${uniquePrefix('kpxfd')}-bench`;
  await addNetns(realExec, netns);
  try {
    const built = performance.now();
    const check = await buildChecked(backend, netns, services);
    process.stderr.write(`${backend} ${services}: table built in ${((performance.now() - built) / 1000).toFixed(1)} s\n`);
    const wall: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let n = 0; n < checks; n += 1) {
      const started = performance.now();
      const lost = await check();
      if (lost.length > 0) throw new Error(`canary missing in ${lost.join(', ')} on an intact table`);
      wall.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const sorted = [...wall].sort((a, b) => a - b);
    const p50 = percentile(sorted, 0.5);
    // kpx's own CPU per check (spawning, reading); the tool's CPU is in its wall time.
    const kpxCpuMs = (cpu.user + cpu.system) / 1000 / checks;
    const intervalMs = Math.max(FLUSH_CHECK_INTERVAL_MS, FLUSH_CHECK_SPACING * p50);
    return `| ${backend} | ${services} | ${p50.toFixed(1)} | ${percentile(sorted, 0.9).toFixed(1)} | ${kpxCpuMs.toFixed(1)} | ${((100 * p50) / 1000).toFixed(1)}% | ${(intervalMs / 1000).toFixed(1)} s |`;
  } finally {
    await deleteNetns(realExec, netns);
  }
}

const rows: string[] = [];
for (const backend of values.backends.split(',') as Backend[]) {
  for (const services of values.sizes.split(',').map(Number)) rows.push(await measure(backend, services));
}
console.log(`\n${endpointsPerService} endpoints per service, ${checks} checks (iptables: nat + filter each; nftables: one); node ${process.version}\n`);
console.log('| backend | services | check p50 ms | check p90 ms | kpx CPU ms/check | wall share at 1 check/s | watch interval |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
