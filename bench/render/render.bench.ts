// Render benchmark: synthetic clusters of N services × E endpoints, through the same
// pipeline as `kpx render --mode iptables` (model build, plan, format).
//
//   node bench/render/render.bench.ts [--sizes 1000,10000,30000] [--endpoints 10] [--runs 5]
//
// Each size runs in a fresh child process so that its peak RSS is its own. Times are
// medians over --runs repetitions after one warm-up run. Run on an idle machine.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { buildDesiredState } from '../../src/model/build-state.ts';
import type { ClusterObjects, RawObject } from '../../src/model/inputs.ts';
import { iptablesMode } from '../../src/modes/iptables/index.ts';
import { defaultModelConfig, makeEndpointSlice, makeNode, makeService } from '../../test/helpers/k8s-builders.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,30000' },
    endpoints: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    child: { type: 'string' },
  },
});

const HOSTNAME = 'bench-node';
const ipv4 = (first: number, index: number): string => `${first}.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

function syntheticCluster(services: number, endpointsPerService: number): ClusterObjects {
  const serviceObjects: RawObject[] = [];
  const sliceObjects: RawObject[] = [];
  for (let index = 0; index < services; index++) {
    const namespace = `ns-${index % 100}`;
    const name = `svc-${index}`;
    serviceObjects.push(
      makeService(namespace, name, (svc) => {
        svc.metadata.uid = `uid-${index}`;
        svc.spec.type = index % 10 === 0 ? 'NodePort' : 'ClusterIP';
        svc.spec.clusterIP = ipv4(10, index);
        svc.spec.ports = [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, ...(index % 10 === 0 ? { nodePort: 30000 + (index % 2700) } : {}) }];
      }),
    );
    sliceObjects.push(
      makeEndpointSlice(namespace, `${name}-abcde`, name, (slice) => {
        slice.ports = [{ name: 'http', protocol: 'TCP', port: 8080 }];
        slice.endpoints = Array.from({ length: endpointsPerService }, (_, j) => ({
          addresses: [ipv4(100, index * endpointsPerService + j)],
          conditions: { ready: true },
          nodeName: j === 0 ? HOSTNAME : `node-${j}`,
        }));
      }),
    );
  }
  const node = makeNode(HOSTNAME, (n) => {
    n.status.addresses = [{ type: 'InternalIP', address: '192.168.0.10' }];
  });
  return { services: serviceObjects, endpointSlices: sliceObjects, node };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface ChildResult {
  readonly services: number;
  readonly buildMs: number;
  readonly renderMs: number;
  readonly bytes: number;
  readonly peakRssMb: number;
}

function runChild(services: number): ChildResult {
  const endpointsPerService = Number(values.endpoints);
  const runs = Number(values.runs);
  const cluster = syntheticCluster(services, endpointsPerService);
  const config = defaultModelConfig({ hostname: HOSTNAME, detectLocal: { mode: 'ClusterCIDR', cidrs: ['100.0.0.0/8'] } });
  const buildTimes: number[] = [];
  const renderTimes: number[] = [];
  let bytes = 0;
  for (let run = 0; run <= runs; run++) {
    const buildStarted = performance.now();
    const { state, problems } = buildDesiredState(cluster, config);
    const built = performance.now();
    const text = iptablesMode.format(iptablesMode.plan(state));
    const rendered = performance.now();
    if (problems.length > 0) throw new Error(`synthetic cluster has problems: ${JSON.stringify(problems[0])}`);
    bytes = Buffer.byteLength(text);
    if (run === 0) continue; // warm-up
    buildTimes.push(built - buildStarted);
    renderTimes.push(rendered - built);
  }
  return { services, buildMs: median(buildTimes), renderMs: median(renderTimes), bytes, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(runChild(Number(values.child))));
} else {
  const rows = values.sizes.split(',').map((size) => {
    const output = execFileSync(process.execPath, [import.meta.filename, '--child', size, '--endpoints', values.endpoints, '--runs', values.runs], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    return JSON.parse(output) as ChildResult;
  });
  console.log(`kpx render benchmark: ${values.endpoints} endpoints per service, median of ${values.runs} runs after a warm-up, node ${process.version}`);
  console.log('services | model build ms | iptables plan+format ms | total ms | output MB | peak RSS MB');
  for (const row of rows) {
    console.log(
      [row.services, row.buildMs.toFixed(0), row.renderMs.toFixed(0), (row.buildMs + row.renderMs).toFixed(0), (row.bytes / 1e6).toFixed(1), row.peakRssMb.toFixed(0)].join(' | '),
    );
  }
}
