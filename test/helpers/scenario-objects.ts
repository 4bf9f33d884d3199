// The API objects of the proxy scenarios (test/e2e/proxy-scenarios.test.ts): one Service per
// behaviour, each backed by some of the topology's pod echo servers (namespace ns1, target port
// ECHO_PORT), as a `kpx run` daemon on `node` lists them from the embedded API server.
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { makeService, type TestService } from './k8s-builders.ts';
import { ECHO_PORT, echoSlice } from './topology-objects.ts';
import type { Topology, TopologyPod } from './topology.ts';

/** External and LoadBalancer addresses: TEST-NET-3, routed to the node only inside the client and remote-node namespaces. */
export const EXTERNAL_NET = '203.0.113.0/24';
export const EXTERNAL_IP = '203.0.113.10';
export const LB_IP = '203.0.113.20';
export const FIREWALLED_LB_IP = '203.0.113.21';

export const SCENARIO_IPS = {
  web: '10.96.1.10',
  dns: '10.96.1.53',
  empty: '10.96.1.99',
  emptyUdp: '10.96.1.98',
  external: '10.96.1.1',
  externalUdp: '10.96.1.8',
  lb: '10.96.1.2',
  lbRanges: '10.96.1.3',
  local: '10.96.1.4',
  remoteOnly: '10.96.1.5',
  sticky: '10.96.1.6',
  hairpin: '10.96.1.7',
  internalLocal: '10.96.1.9',
} as const;

export const WEB_NODE_PORT = 30080;
export const LOCAL_NODE_PORT = 30081;
export const REMOTE_ONLY_LOCAL_NODE_PORT = 30082;

interface ScenarioService {
  readonly name: string;
  readonly clusterIP: string;
  readonly protocol?: 'TCP' | 'UDP';
  readonly port?: number;
  readonly nodePort?: number;
  /** The endpoints; undefined for a Service without a slice. */
  readonly pods?: readonly TopologyPod[];
  readonly mutate?: (svc: TestService) => void;
}

function serviceObject(service: ScenarioService): RawObject {
  return makeService('ns1', service.name, (svc) => {
    svc.spec.type = service.nodePort === undefined ? 'ClusterIP' : 'NodePort';
    svc.spec.clusterIP = service.clusterIP;
    svc.spec.clusterIPs = [service.clusterIP];
    svc.spec.ports = [
      {
        name: 'p',
        port: service.port ?? 80,
        protocol: service.protocol ?? 'TCP',
        targetPort: ECHO_PORT,
        ...(service.nodePort === undefined ? {} : { nodePort: service.nodePort }),
      },
    ];
    service.mutate?.(svc);
  });
}

function loadBalancer(ip: string, ranges?: readonly string[]): (svc: TestService) => void {
  return (svc) => {
    svc.spec.type = 'LoadBalancer';
    if (ranges !== undefined) svc.spec.loadBalancerSourceRanges = [...ranges];
    svc.status.loadBalancer = { ingress: [{ ip }] };
  };
}

function scenarioServices(topology: Topology): ScenarioService[] {
  const pods = topology.pods;
  const [podA, , podC] = pods;
  const ips = SCENARIO_IPS;
  return [
    { name: 'web', clusterIP: ips.web, nodePort: WEB_NODE_PORT, pods },
    { name: 'dns', clusterIP: ips.dns, protocol: 'UDP', port: 53, pods },
    { name: 'empty', clusterIP: ips.empty },
    { name: 'empty-udp', clusterIP: ips.emptyUdp, protocol: 'UDP', port: 53 },
    { name: 'external', clusterIP: ips.external, pods, mutate: (svc) => (svc.spec.externalIPs = [EXTERNAL_IP]) },
    { name: 'external-udp', clusterIP: ips.externalUdp, protocol: 'UDP', pods, mutate: (svc) => (svc.spec.externalIPs = [EXTERNAL_IP]) },
    { name: 'lb', clusterIP: ips.lb, nodePort: 30083, pods, mutate: loadBalancer(LB_IP) },
    // Lets the remote node in, not the client.
    { name: 'lb-ranges', clusterIP: ips.lbRanges, nodePort: 30084, pods, mutate: loadBalancer(FIREWALLED_LB_IP, [`${topology.remoteNode.ip}/32`]) },
    { name: 'local', clusterIP: ips.local, nodePort: LOCAL_NODE_PORT, pods, mutate: (svc) => (svc.spec.externalTrafficPolicy = 'Local') },
    {
      name: 'remote-only',
      clusterIP: ips.remoteOnly,
      nodePort: REMOTE_ONLY_LOCAL_NODE_PORT,
      pods: [podC!],
      mutate: (svc) => (svc.spec.externalTrafficPolicy = 'Local'),
    },
    { name: 'internal-local', clusterIP: ips.internalLocal, pods, mutate: (svc) => (svc.spec.internalTrafficPolicy = 'Local') },
    {
      name: 'sticky',
      clusterIP: ips.sticky,
      pods,
      mutate: (svc) => {
        svc.spec.sessionAffinity = 'ClientIP';
        svc.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
      },
    },
    { name: 'hairpin', clusterIP: ips.hairpin, pods: [podA!] },
  ];
}

/** Every scenario Service and its EndpointSlice. */
export function scenarioObjects(topology: Topology): RawObject[] {
  return scenarioServices(topology).flatMap((service) => [
    serviceObject(service),
    ...(service.pods === undefined ? [] : [echoSlice(service.name, service.protocol ?? 'TCP', service.pods)]),
  ]);
}
