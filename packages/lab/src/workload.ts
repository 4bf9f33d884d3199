// The lab's demo workload: Services of each type and their EndpointSlices over the lab's
// pods, the two Nodes, and N synthetic one-endpoint services (--services) that scale the rules.
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { labNodeObject } from './node-object.ts';
import type { LabPod, LabTopology } from './topology.ts';

export const LAB_NAMESPACE = 'demo';
const ECHO = 8080;
/** iperf3's port (TCP control and data, UDP data) and nginx's, in the bench pod. */
export const IPERF_PORT = 5201;
export const HTTP_PORT = 80;

/** The addresses traffic is sent to; all inside the lab's namespaces. */
export const VIPS = {
  /** One endpoint (pod-c, the other node): the measured path (nginx and iperf3 there). */
  bench: '10.96.0.10',
  /** Every pod; the endpoint scaled away in the API-change measurement. */
  web: '10.96.0.20',
  dns: '10.96.0.53',
  affinity: '10.96.0.30',
  nodePort: '10.96.0.40',
  local: '10.96.0.41',
  loadBalancer: '10.96.0.50',
  loadBalancerIngress: '10.251.0.10',
} as const;
/** The pod the measured path ends in: on node2, the clients in pod-a on node1. */
export const BENCH_POD = 'pod-c';
export const NODE_PORTS = { nodePort: 30080, local: 30081, loadBalancer: 30082 } as const;

interface PortSpec {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly nodePort?: number;
}

interface ServiceSpec {
  readonly name: string;
  readonly clusterIP: string;
  readonly ports: readonly PortSpec[];
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  readonly local?: boolean;
  readonly affinity?: boolean;
  readonly ingressIP?: string;
}

function service(spec: ServiceSpec): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: LAB_NAMESPACE, name: spec.name },
    spec: {
      type: spec.type ?? 'ClusterIP',
      clusterIP: spec.clusterIP,
      clusterIPs: [spec.clusterIP],
      ipFamilies: ['IPv4'],
      ports: spec.ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort,
        protocol: p.protocol,
        ...(p.nodePort === undefined ? {} : { nodePort: p.nodePort }),
      })),
      sessionAffinity: spec.affinity === true ? 'ClientIP' : 'None',
      ...(spec.affinity === true ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } } : {}),
      ...(spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? { externalTrafficPolicy: spec.local === true ? 'Local' : 'Cluster' } : {}),
    },
    status: { loadBalancer: spec.ingressIP === undefined ? {} : { ingress: [{ ip: spec.ingressIP }] } },
  };
}

export function endpointSlice(name: string, ports: readonly PortSpec[], pods: readonly LabPod[]): RawObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: {
      namespace: LAB_NAMESPACE,
      name: `${name}-lab`,
      labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'kpx-lab' },
    },
    endpoints: pods.map((pod) => ({ addresses: [pod.ip], nodeName: pod.nodeName, conditions: { ready: true, serving: true, terminating: false } })),
    ports: ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })),
  };
}

const tcp = (name: string, port: number, targetPort: number, nodePort?: number): PortSpec => ({
  name,
  port,
  targetPort,
  protocol: 'TCP',
  ...(nodePort === undefined ? {} : { nodePort }),
});

export const WEB_PORTS: readonly PortSpec[] = [tcp('http', 80, ECHO)];

/** The Services, each with the pods behind it. */
function demoServices(pods: readonly LabPod[]): { spec: ServiceSpec; pods: readonly LabPod[] }[] {
  const byName = (...names: string[]): LabPod[] => pods.filter((pod) => names.includes(pod.name));
  return [
    {
      spec: {
        name: 'bench',
        clusterIP: VIPS.bench,
        ports: [
          tcp('http', HTTP_PORT, HTTP_PORT),
          tcp('iperf', IPERF_PORT, IPERF_PORT),
          { name: 'iperf-udp', port: IPERF_PORT, targetPort: IPERF_PORT, protocol: 'UDP' },
        ],
      },
      pods: byName(BENCH_POD),
    },
    { spec: { name: 'web', clusterIP: VIPS.web, ports: WEB_PORTS }, pods },
    { spec: { name: 'dns', clusterIP: VIPS.dns, ports: [{ name: 'dns', port: 53, targetPort: ECHO, protocol: 'UDP' }] }, pods: byName(BENCH_POD) },
    { spec: { name: 'sticky', clusterIP: VIPS.affinity, affinity: true, ports: [tcp('http', 80, ECHO)] }, pods },
    { spec: { name: 'nodeport', clusterIP: VIPS.nodePort, type: 'NodePort', ports: [tcp('http', 80, ECHO, NODE_PORTS.nodePort)] }, pods },
    { spec: { name: 'local', clusterIP: VIPS.local, type: 'NodePort', local: true, ports: [tcp('http', 80, ECHO, NODE_PORTS.local)] }, pods },
    {
      spec: {
        name: 'lb',
        clusterIP: VIPS.loadBalancer,
        type: 'LoadBalancer',
        ingressIP: VIPS.loadBalancerIngress,
        ports: [tcp('http', 80, ECHO, NODE_PORTS.loadBalancer)],
      },
      pods,
    },
  ];
}

/** The i-th synthetic ClusterIP, from 10.96.100.0 up (room for 30 000). */
function syntheticIP(index: number): string {
  const value = 100 * 256 + index;
  return `10.96.${Math.floor(value / 256)}.${value % 256}`;
}

export function labWorkload(topology: LabTopology, syntheticServices: number): RawObject[] {
  const objects: RawObject[] = topology.nodes.map(labNodeObject);
  for (const { spec, pods } of demoServices(topology.pods)) objects.push(service(spec), endpointSlice(spec.name, spec.ports, pods));
  const backend = topology.pods.filter((pod) => pod.name === 'pod-d');
  for (let index = 0; index < syntheticServices; index++) {
    const name = `synthetic-${index}`;
    const ports = [tcp('http', 80, ECHO)];
    objects.push(service({ name, clusterIP: syntheticIP(index), ports }), endpointSlice(name, ports, backend));
  }
  return objects;
}
