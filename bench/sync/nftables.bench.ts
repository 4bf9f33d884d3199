// nftables sync benchmark: the real planner and the real `nft -f -`, in a throwaway network
// namespace, for N services × E endpoints. Needs root and nft. Prints, per step, kpx's own time
// (plan + format) and nft's time:
//   - a first full sync (the table replaced), a full resync over it (flush + rewrite),
//   - a partial sync after one endpoint of one service changed,
//   - a partial sync adding one new service.
//
//   node bench/sync/nftables.bench.ts [--services 10000] [--endpoints 10]
import { parseArgs } from 'node:util';
import { silentLogger } from '@kpx/agent/log.ts';
import type { ServicePort } from '@kpx/agent/model/types.ts';
import { openNftablesDataplane } from '@kpx/agent/modes/nftables/dataplane.ts';
import { transactionText } from '@kpx/agent/modes/nftables/format.ts';
import type { NftablesPlan } from '@kpx/agent/modes/nftables/plan-types.ts';
import { createNftablesPlanner } from '@kpx/agent/modes/nftables/plan.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns } from '@kpx/agent/sys/netns.ts';
import { makeChangeSet, makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../test/helpers/state-builders.ts';

const { values } = parseArgs({ options: { services: { type: 'string', default: '10000' }, endpoints: { type: 'string', default: '10' } } });
const services = Number(values.services);
const endpoints = Number(values.endpoints);

function servicePort(index: number, endpointCount = endpoints): ServicePort {
  return makeServicePort(`ns${index % 100}`, `svc${index}`, 'http', (port) => {
    port.clusterIP = `10.${96 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
    port.endpoints = Array.from({ length: endpointCount }, (_, e) => makeEndpoint(`10.${128 + ((index * endpoints + e) >> 16)}.${((index * endpoints + e) >> 8) & 255}.${(index * endpoints + e) & 255}`, 8080));
  });
}

const node = makeNodeContext((context) => { context.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.128.0.0/9'] }; });
const ports = Array.from({ length: services }, (_, index) => servicePort(index));
const full = makeState(ports, node);
const changedPorts = [...ports];
changedPorts[services >> 1] = servicePort(services >> 1, endpoints - 1);
const oneEndpointLess = makeState(changedPorts, node);
const withNew = makeState([...changedPorts, servicePort(services)], node);

const netns = `kpxbench-nft-${process.pid}`;
await addNetns(realExec, netns);
try {
  const dataplane = openNftablesDataplane({ exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() }, { netns, ipFamily: 'IPv4' });
  const planner = createNftablesPlanner({});
  const step = async (label: string, make: () => NftablesPlan): Promise<void> => {
    const started = performance.now();
    const plan = make();
    const text = transactionText(plan, false);
    const kpxMs = performance.now() - started;
    const report = await dataplane.apply(plan);
    console.log(`${label.padEnd(34)} kpx ${kpxMs.toFixed(1).padStart(8)} ms   nft ${report.toolMs.toFixed(1).padStart(8)} ms   ${text.split('\n').length - 1} statements`);
  };
  console.log(`${services} services × ${endpoints} endpoints`);
  await step('full sync (table replaced)', () => planner(full));
  await step('full resync (flush + rewrite)', () => planner(full));
  // The ChangeSets come from src/diff in the daemon; the bench's helper builds them outside the timing.
  const lessChanges = makeChangeSet(full, oneEndpointLess);
  const newChanges = makeChangeSet(oneEndpointLess, withNew);
  await step('partial: one endpoint less', () => planner(oneEndpointLess, lessChanges));
  await step('partial: one new service', () => planner(withNew, newChanges));
} finally {
  await deleteNetns(realExec, netns);
}
