// Synthetic clusters for the render and load benchmarks: N services (every tenth a NodePort),
// one EndpointSlice each with E ready endpoints, one of them on the bench node.
import type { ClusterObjects, RawObject } from '@kpx/agent/model/inputs.ts';
import type { ModelConfig } from '@kpx/agent/model/inputs.ts';
import { defaultModelConfig, makeEndpointSlice, makeNode, makeService } from '../../test/helpers/k8s-builders.ts';

export const BENCH_HOSTNAME = 'bench-node';

const ipv4 = (first: number, index: number): string => `${first}.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

export function syntheticCluster(services: number, endpointsPerService: number): ClusterObjects {
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
          nodeName: j === 0 ? BENCH_HOSTNAME : `node-${j}`,
        }));
      }),
    );
  }
  const node = makeNode(BENCH_HOSTNAME, (n) => {
    n.status.addresses = [{ type: 'InternalIP', address: '192.168.0.10' }];
  });
  return { services: serviceObjects, endpointSlices: sliceObjects, node };
}

export function benchModelConfig(): ModelConfig {
  return defaultModelConfig({ hostname: BENCH_HOSTNAME, detectLocal: { mode: 'ClusterCIDR', cidrs: ['100.0.0.0/8'] } });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** CPU time (user + system) of this process since `since`, in ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}
