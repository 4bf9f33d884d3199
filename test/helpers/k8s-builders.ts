// Builders of raw Kubernetes objects in upstream's mutator style:
//   makeService('ns', 'svc', (svc) => { svc.spec.clusterIP = '172.30.0.1'; svc.spec.ports = [...]; })
// The result is exactly what a decoded YAML/JSON document would be: plain data.
import type { ModelConfig, RawObject } from '@kpx/agent/model/inputs.ts';

/** Loose shapes of the fields kpx reads; anything else can be added through `Record`. */
export interface TestObjectMeta extends Record<string, unknown> {
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface TestServicePort extends Record<string, unknown> {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface TestService extends Record<string, unknown> {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: TestObjectMeta;
  spec: Record<string, unknown> & {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    ipFamilies?: string[];
    ports?: TestServicePort[];
    externalIPs?: string[];
    loadBalancerSourceRanges?: string[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: string;
    internalTrafficPolicy?: string;
    healthCheckNodePort?: number;
    trafficDistribution?: string;
  };
  status: Record<string, unknown> & { loadBalancer?: { ingress?: { ip?: string; hostname?: string; ipMode?: string }[] } };
}

export interface TestEndpoint extends Record<string, unknown> {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
}

export interface TestEndpointSlice extends Record<string, unknown> {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: TestObjectMeta;
  addressType: string;
  endpoints: TestEndpoint[];
  ports: { name?: string; protocol?: string; port?: number }[];
}

export interface TestNode extends Record<string, unknown> {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: TestObjectMeta;
  status: { addresses: { type: string; address: string }[] };
}

export function makeService(namespace: string, name: string, mutate: (svc: TestService) => void = () => {}): RawObject {
  const svc: TestService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name, labels: {}, annotations: {} },
    spec: {},
    status: {},
  };
  mutate(svc);
  return svc;
}

/** A slice of `serviceName` (the kubernetes.io/service-name label), IPv4 unless changed. */
export function makeEndpointSlice(namespace: string, name: string, serviceName: string, mutate: (slice: TestEndpointSlice) => void = () => {}): RawObject {
  const slice: TestEndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name, labels: { 'kubernetes.io/service-name': serviceName }, annotations: {} },
    addressType: 'IPv4',
    endpoints: [],
    ports: [],
  };
  mutate(slice);
  return slice;
}

export function makeNode(name: string, mutate: (node: TestNode) => void = () => {}): RawObject {
  const node: TestNode = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: {}, annotations: {} }, status: { addresses: [] } };
  mutate(node);
  return node;
}

/** The hostname `defaultModelConfig` uses: endpoints with this nodeName are local. */
export const TEST_HOSTNAME = 'test-node';

export function defaultModelConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    hostname: TEST_HOSTNAME,
    ipFamily: 'IPv4',
    nodeIPOverride: [],
    detectLocal: { mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8'] },
    masqueradeAll: false,
    masqueradeBit: 14,
    nodePortAddresses: [],
    localhostNodePorts: true,
    serviceProxyName: '',
    ...overrides,
  };
}
