// API objects for services backed by the topology's pod echo servers (namespace ns1), as the
// daemon e2e tests create them in the embedded API server.
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { makeEndpointSlice, makeService } from './k8s-builders.ts';
import type { TopologyPod } from './topology.ts';

export const ECHO_PORT = 8080;

export function echoService(name: string, clusterIP: string, protocol: 'TCP' | 'UDP', port: number): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.spec.type = 'ClusterIP';
    svc.spec.clusterIP = clusterIP;
    svc.spec.clusterIPs = [clusterIP];
    svc.spec.ports = [{ name: 'p', port, protocol, targetPort: ECHO_PORT }];
  });
}

/** The slice of `name` with one ready endpoint per pod, on node `node` or `rnode`. */
export function echoSlice(name: string, protocol: 'TCP' | 'UDP', pods: readonly TopologyPod[]): RawObject {
  return makeEndpointSlice('ns1', `${name}-abc`, name, (s) => {
    s.endpoints = pods.map((pod) => ({ addresses: [pod.ip], nodeName: pod.isLocal ? 'node' : 'rnode', conditions: { ready: true } }));
    s.ports = [{ name: 'p', port: ECHO_PORT, protocol }];
  });
}
