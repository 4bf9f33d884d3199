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

type Labels = Readonly<Record<string, string>>;

/** A ClusterIP Service with one TCP port `http` (80, target 8080): the watch tests' plain object. */
export function makeClusterIPService(namespace: string, name: string, options: { labels?: Labels; clusterIP?: string; port?: number } = {}): RawObject {
  return makeService(namespace, name, (svc) => {
    svc.metadata.labels = { ...options.labels };
    svc.spec = {
      type: 'ClusterIP',
      clusterIP: options.clusterIP ?? '10.96.0.10',
      ports: [{ name: 'http', protocol: 'TCP', port: options.port ?? 80, targetPort: 8080 }],
    };
  });
}

/** A slice of ready endpoints on node-a (one per address, 10.244.0.1 unless given) with port `http` 8080. */
export function makeReadySlice(
  namespace: string,
  name: string,
  serviceName: string,
  options: { labels?: Labels; addresses?: readonly string[] } = {},
): RawObject {
  return makeEndpointSlice(namespace, name, serviceName, (slice) => {
    slice.metadata.labels = { ...slice.metadata.labels, ...options.labels };
    slice.endpoints = (options.addresses ?? ['10.244.0.1']).map((address) => ({
      addresses: [address],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-a',
    }));
    slice.ports = [{ name: 'http', protocol: 'TCP', port: 8080 }];
  });
}

/** A Node in zone-a with one InternalIP. */
export function makeAddressedNode(name: string, address = '192.168.0.10'): RawObject {
  return makeNode(name, (node) => {
    node.metadata.labels = { 'topology.kubernetes.io/zone': 'zone-a' };
    node.status.addresses = [{ type: 'InternalIP', address }];
  });
}

/** A copy of `object` with `metadata.resourceVersion` set, as the server would store it. */
export function withVersion(object: RawObject, resourceVersion: string): RawObject {
  return { ...object, metadata: { ...(object['metadata'] as object), resourceVersion } };
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
