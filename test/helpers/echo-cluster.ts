// The daemon e2e tests' cluster: the topology (a node, three pods running echo servers) and the
// embedded API server holding the node and, unless other objects are given, `web` (TCP, every
// pod) and `dns` (UDP, pod b).
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
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

function webAndDns(topology: Topology): RawObject[] {
  const [a, b, c] = topology.pods;
  return [echoService('web', WEB_IP, 'TCP', 80), echoSlice('web', 'TCP', [a!, b!, c!]), echoService('dns', DNS_IP, 'UDP', 53), echoSlice('dns', 'UDP', [b!])];
}

/** `objects` are the Services and slices the API server holds besides the node. */
export async function startEchoCluster(prefix: string, objects: (topology: Topology) => RawObject[] = webAndDns): Promise<EchoCluster> {
  const topology = await buildTopology(uniquePrefix(prefix));
  const [a, b, c] = topology.pods;
  if (a === undefined || b === undefined || c === undefined) throw new Error('topology without three pods');
  await topology.startEchoServers([ECHO_PORT]);
  const api = await startApiServer();
  await api.create(
    makeNode('node', (node) => {
      node.status.addresses = [{ type: 'InternalIP', address: topology.node.ip }];
      node['spec'] = { podCIDR: topology.node.podCIDR, podCIDRs: [topology.node.podCIDR] };
    }),
  );
  for (const object of objects(topology)) await api.create(object);
  return { topology, api, pods: { a, b, c } };
}
