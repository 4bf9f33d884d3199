// Builders for DesiredState values, after upstream's test mutators:
//   makeServicePort('ns1', 'svc1', 'p80', (sp) => { sp.clusterIP = '172.30.0.41'; sp.endpoints.push(makeEndpoint('10.180.0.1', 80)); })
// Defaults follow upstream proxier_test.go's conventions: pods 10.0.0.0/8, cluster IPs
// 172.30.0.0/16, node test-node at 192.168.0.2, masquerade bit 14.
import type { CategorizedEndpoints, DesiredState, Endpoint, NodeContext, ServicePort } from '@kpx/agent/model/types.ts';
import { categorizeEndpoints } from '@kpx/agent/model/categorize.ts';
import { compareEndpoints } from '@kpx/agent/model/slice-port-endpoints.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const TEST_NODE_NAME = 'test-node';
export const TEST_NODE_IP = '192.168.0.2';

export function makeNodeContext(mutate?: (node: Mutable<NodeContext>) => void): NodeContext {
  const node: Mutable<NodeContext> = {
    nodeName: TEST_NODE_NAME,
    ipFamily: 'IPv4',
    nodeIPs: [TEST_NODE_IP],
    zone: undefined,
    detectLocal: { mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8'] },
    masqueradeAll: false,
    masqueradeBit: 14,
    nodePortAddresses: [],
    localAddresses: [],
    nfacctCounters: [],
    localhostNodePorts: true,
  };
  mutate?.(node);
  return node;
}

export function makeEndpoint(ip: string, port: number, mutate?: (endpoint: Mutable<Endpoint>) => void): Endpoint {
  const endpoint: Mutable<Endpoint> = {
    ip,
    port,
    endpoint: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`,
    isLocal: false,
    ready: true,
    serving: true,
    terminating: false,
    nodeName: undefined,
    zone: undefined,
    zoneHints: [],
  };
  mutate?.(endpoint);
  return endpoint;
}

/** A service port draft: `endpoints` lists every endpoint; categorizeEndpoints sorts them out unless `categorized` is set. */
export interface ServicePortDraft extends Mutable<Omit<ServicePort, 'endpoints'>> {
  endpoints: Endpoint[];
  categorized: CategorizedEndpoints | undefined;
}

export function makeServicePort(namespace: string, name: string, portName: string, mutate?: (draft: ServicePortDraft) => void): ServicePort {
  const draft: ServicePortDraft = {
    servicePortName: portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`,
    namespace,
    name,
    portName,
    protocol: 'TCP',
    clusterIP: '172.30.0.1',
    port: 80,
    nodePort: 0,
    externalIPs: [],
    loadBalancerVIPs: [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: 0,
    sessionAffinity: { type: 'None' },
    externalPolicyLocal: false,
    internalPolicyLocal: false,
    externallyAccessible: false,
    endpoints: [],
    categorized: undefined,
  };
  mutate?.(draft);
  const { endpoints, categorized, ...fields } = draft;
  const externallyAccessible = fields.externallyAccessible || fields.nodePort !== 0 || fields.externalIPs.length > 0 || fields.loadBalancerVIPs.length > 0;
  const servicePort = { ...fields, externallyAccessible };
  const all = [...endpoints].sort(compareEndpoints);
  // The node has no zone here, so topology hints never apply: only policy and readiness decide.
  return { ...servicePort, endpoints: categorized ?? categorizeEndpoints(all, servicePort, { nodeName: TEST_NODE_NAME, zone: undefined }) };
}

export function makeState(servicePorts: readonly ServicePort[], node: NodeContext = makeNodeContext()): DesiredState {
  const sorted = [...servicePorts].sort((a, b) => (a.servicePortName < b.servicePortName ? -1 : 1));
  return { node, servicePorts: new Map(sorted.map((servicePort) => [servicePort.servicePortName, servicePort])) };
}

/**
 * The services of upstream's TestOverallIPTablesRules (proxier_test.go): a ClusterIP, a
 * LoadBalancer with Local policy and no local endpoint, a NodePort, an ExternalIP, a
 * LoadBalancer with source ranges and affinity, and a ClusterIP without endpoints.
 */
export function makeUpstreamOverallScenario(): DesiredState {
  return makeState([
    makeServicePort('ns1', 'svc1', 'p80', (sp) => {
      sp.clusterIP = '172.30.0.41';
      sp.endpoints.push(makeEndpoint('10.180.0.1', 80));
    }),
    makeServicePort('ns2', 'svc2', 'p80', (sp) => {
      sp.clusterIP = '172.30.0.42';
      sp.nodePort = 3001;
      sp.externalPolicyLocal = true;
      sp.loadBalancerVIPs = ['1.2.3.4'];
      sp.externalIPs = ['192.168.99.22'];
      sp.healthCheckNodePort = 30000;
      sp.endpoints.push(makeEndpoint('10.180.0.2', 80));
    }),
    makeServicePort('ns3', 'svc3', 'p80', (sp) => {
      sp.clusterIP = '172.30.0.43';
      sp.nodePort = 3003;
      sp.endpoints.push(makeEndpoint('10.180.0.3', 80));
    }),
    makeServicePort('ns4', 'svc4', 'p80', (sp) => {
      sp.clusterIP = '172.30.0.44';
      sp.externalIPs = ['192.168.99.33'];
      sp.endpoints.push(
        makeEndpoint('10.180.0.4', 80),
        makeEndpoint('10.180.0.5', 80, (ep) => (ep.isLocal = true)),
      );
    }),
    makeServicePort('ns5', 'svc5', 'p80', (sp) => {
      sp.clusterIP = '172.30.0.45';
      sp.nodePort = 3002;
      sp.loadBalancerVIPs = ['5.6.7.8'];
      sp.loadBalancerSourceRanges = ['203.0.113.0/25'];
      sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 10800 };
      sp.endpoints.push(makeEndpoint('10.180.0.3', 80));
    }),
    makeServicePort('ns6', 'svc6', 'p80', (sp) => {
      sp.clusterIP = '172.30.0.46';
    }),
  ]);
}
