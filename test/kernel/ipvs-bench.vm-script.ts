// Inside the kernel VM (not a test: prints figures): the IPVS dataplane in a throwaway
// namespace for N services × E endpoints — a full first sync, a full resync and a
// one-endpoint partial sync — each split into kpx's own time and the tools' time.
//   node test/kernel/ipvs-bench.vm-script.ts [sizes=1000,10000] [endpoints=10]
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState, ServicePort } from '@kpx/agent/model/types.ts';
import { ipvsMode } from '@kpx/agent/modes/ipvs/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { diffStates } from '@kpx/agent/diff/diff-states.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../helpers/state-builders.ts';

const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
const endpointsPerService = Number(process.argv[3] ?? '10');
const quad = (base: number, index: number): string => `10.${base + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

function servicePort(index: number, extra: readonly string[] = []): ServicePort {
  return makeServicePort(`ns${index % 100}`, `svc${index}`, 'http', (port) => {
    port.clusterIP = quad(96, index);
    port.endpoints = Array.from({ length: endpointsPerService }, (_, j) => makeEndpoint(quad(128, index * endpointsPerService + j), 8080));
    for (const ip of extra) port.endpoints.push(makeEndpoint(ip, 8080));
  });
}

function buildState(services: number, extra: readonly string[] = []): DesiredState {
  const node = makeNodeContext((context) => {
    context.nodeIPs = ['10.250.0.10'];
    context.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.128.0.0/9'] };
  });
  return makeState(
    Array.from({ length: services }, (_, index) => servicePort(index, index === 0 ? extra : [])),
    node,
  );
}

async function measure(label: string, run: () => Promise<{ toolMs: number; figures: Readonly<Record<string, number>> }>): Promise<void> {
  const started = performance.now();
  const report = await run();
  const totalMs = performance.now() - started;
  const f = report.figures;
  console.log(
    `${label.padEnd(28)} total ${totalMs.toFixed(1).padStart(8)} ms  kpx ${(totalMs - report.toolMs).toFixed(1).padStart(8)} ms  tools ${report.toolMs.toFixed(1).padStart(8)} ms  ipvsLines ${f.ipvsLines} ipsetLines ${f.ipsetLines}`,
  );
}

for (const size of sizes) {
  const netns = `kpxbench${process.pid}`;
  await realExec({ file: 'ip', args: ['netns', 'add', netns] });
  try {
    const dataplane = ipvsMode.open({ exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() }, dataplaneSettings({}, { netns }));
    await dataplane.setup();
    const state = buildState(size);
    await measure(`${size} services: first full`, async () => dataplane.apply(ipvsMode.plan(state, {})));
    await measure(`${size} services: full resync`, async () => dataplane.apply(ipvsMode.plan(state, {})));
    const next = buildState(size, ['10.200.0.1']);
    const changed = diffStates(state, next);
    await measure(`${size} services: one endpoint`, async () => dataplane.apply(ipvsMode.plan(next, {}, changed)));
  } finally {
    await realExec({ file: 'ip', args: ['netns', 'del', netns] });
  }
}
