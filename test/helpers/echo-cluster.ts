// The daemon e2e tests' cluster: the topology (a node, three pods running echo servers) and the
// embedded API server holding the node, `web` (TCP, every pod) and `dns` (UDP, pod b).
import { startApiServer } from '@kpx/apiserver/server.ts';
import { makeNode } from './k8s-builders.ts';
import { ECHO_PORT, echoService, echoSlice } from './topology-objects.ts';
import { buildTopology, uniquePrefix, type Topology, type TopologyPod } from './topology.ts';

export const WEB_IP = '10.96.0.10';
export const DNS_IP = '10.96.0.53';

export interface EchoCluster {
  readonly topology: Topology;
  readonly api: Awaited<ReturnType<typeof startApiServer>>;
  readonly pods: { readonly a: TopologyPod; readonly b: TopologyPod; readonly c: TopologyPod };
}

export async function startEchoCluster(prefix: string): Promise<EchoCluster> {
  const topology = await buildTopology(uniquePrefix(prefix));
  const [a, b, c] = topology.pods;
  if (a === undefined || b === undefined || c === undefined) throw new Error('topology without three pods');
  await topology.startEchoServers([ECHO_PORT]);
  const api = await startApiServer();
  await api.create(makeNode('node', (node) => {
    node.status.addresses = [{ type: 'InternalIP', address: topology.node.ip }];
    node['spec'] = { podCIDR: topology.node.podCIDR, podCIDRs: [topology.node.podCIDR] };
  }));
  await api.create(echoService('web', WEB_IP, 'TCP', 80));
  await api.create(echoSlice('web', 'TCP', [a, b, c]));
  await api.create(echoService('dns', DNS_IP, 'UDP', 53));
  await api.create(echoSlice('dns', 'UDP', [b]));
  return { topology, api, pods: { a, b, c } };
}
