// API objects for the dual-stack e2e tests on the namespace topology with IPv6
// (dual-stack-topology.ts): single-family IPv6 Services and per-family EndpointSlices backed by
// the pods' echo servers (namespace ns1), and the daemon log line of one family's sync.
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import type { DaemonProcess, LogLine } from '../daemon/run-daemon-process.ts';
import { CLUSTER_CIDR_V6, type DualStackAddresses } from './dual-stack-topology.ts';
import { makeEndpointSlice, makeNode, makeService, type TestService } from './k8s-builders.ts';
import { ECHO_PORT } from './topology-objects.ts';
import { CLUSTER_CIDR, type Topology, type TopologyPod } from './topology.ts';

/** A successful (applied) sync of one family's proxier. */
export const synced =
  (ipFamily: string) =>
  (line: LogLine): boolean =>
    line.msg === 'sync done' && line['applied'] === true && line['ipFamily'] === ipFamily;

/** Resolves once the daemon has applied a sync of each family. */
export async function waitForBothFamilies(daemon: DaemonProcess): Promise<void> {
  await daemon.waitForLog(synced('IPv4'));
  await daemon.waitForLog(synced('IPv6'));
}

/** The node's Node object, with an InternalIP of each family: what makes kpx serve both. */
export function dualStackNode(topology: Topology, v6: DualStackAddresses): RawObject {
  return makeNode('node', (node) => {
    node.status.addresses = [
      { type: 'InternalIP', address: topology.node.ip },
      { type: 'InternalIP', address: v6.node },
    ];
  });
}

/** `kpx run` programming the topology's node in `mode` with both families' cluster CIDRs. */
export function dualStackRunArgs(apiUrl: string, mode: string, topology: Topology, servers: { readonly healthz: string; readonly metrics: string }): string[] {
  return [
    ...['--master', apiUrl, '--hostname-override', 'node', '--proxy-mode', mode, '--netns', topology.node.netns],
    ...['--cluster-cidr', `${CLUSTER_CIDR},${CLUSTER_CIDR_V6}`, '--healthz-bind-address', servers.healthz, '--metrics-bind-address', servers.metrics],
  ];
}

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
