// API objects for the dual-stack e2e tests on the namespace topology with IPv6
// (dual-stack-topology.ts): single-family IPv6 Services and per-family EndpointSlices backed by
// the pods' echo servers (namespace ns1), and the daemon log line of one family's sync.
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import type { LogLine } from '../daemon/run-daemon-process.ts';
import type { DualStackAddresses } from './dual-stack-topology.ts';
import { makeEndpointSlice, makeService, type TestService } from './k8s-builders.ts';
import { ECHO_PORT } from './topology-objects.ts';
import type { TopologyPod } from './topology.ts';

/** A successful (applied) sync of one family's proxier. */
export const synced =
  (ipFamily: string) =>
  (line: LogLine): boolean =>
    line.msg === 'sync done' && line['applied'] === true && line['ipFamily'] === ipFamily;

/** An IPv6 single-stack Service with one port `p` to the echo servers; `mutate` adds the rest. */
export function v6Service(name: string, clusterIP: string, protocol: 'TCP' | 'UDP', port: number, mutate: (svc: TestService) => void = () => {}): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.spec.clusterIP = clusterIP;
    svc.spec.clusterIPs = [clusterIP];
    svc.spec.ipFamilies = ['IPv6'];
    svc.spec.ports = [{ name: 'p', port, protocol, targetPort: ECHO_PORT }];
    mutate(svc);
  });
}

/** The `service-v4` or `service-v6` slice: one ready endpoint per pod, at its address of `family`. */
export function familySlice(
  service: string,
  family: 'IPv4' | 'IPv6',
  protocol: 'TCP' | 'UDP',
  pods: readonly TopologyPod[],
  v6: DualStackAddresses,
): RawObject {
  return makeEndpointSlice('ns1', `${service}-${family === 'IPv4' ? 'v4' : 'v6'}`, service, (s) => {
    s.addressType = family;
    s.endpoints = pods.map((pod) => ({
      addresses: [family === 'IPv4' ? pod.ip : (v6.pods.get(pod.name) ?? '')],
      nodeName: pod.isLocal ? 'node' : 'rnode',
      conditions: { ready: true },
    }));
    s.ports = [{ name: 'p', port: ECHO_PORT, protocol }];
  });
}
