// IPv6 beside IPv4 on the namespace topology (test/helpers/topology.ts), for the dual-stack
// e2e tests: the same links get addresses of the second family and the same routes.
//
//   client fd00:10:250::100, node fd00:10:250::10, rnode fd00:10:250::20   (node network /64)
//   node cbr0 fd00:10:244:1::1/64: pod-a fd00:10:244:1::10, pod-b fd00:10:244:1::11
//   rnode cbr0 fd00:10:244:2::1/64: pod-c fd00:10:244:2::10
//   services fd00:10:96::/112, routed from the node to the remote node, unreachable there
// Every address is added `nodad`: a tentative address (during duplicate address detection)
// cannot be used, and a test would race it.
import { ip } from '@kpx/lab/netns-wiring.ts';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import type { Topology } from './topology.ts';

export const CLUSTER_CIDR_V6 = 'fd00:10:244::/56';
export const SERVICE_CIDR_V6 = 'fd00:10:96::/112';

export interface DualStackAddresses {
  readonly node: string;
  readonly remoteNode: string;
  readonly client: string;
  /** By pod name (pod-a, pod-b, pod-c). */
  readonly pods: ReadonlyMap<string, string>;
}

const POD_IPS: Readonly<Record<string, string>> = { 'pod-a': 'fd00:10:244:1::10', 'pod-b': 'fd00:10:244:1::11', 'pod-c': 'fd00:10:244:2::10' };

export async function addIPv6(exec: Exec, topology: Topology): Promise<DualStackAddresses> {
  const addresses: DualStackAddresses = {
    node: 'fd00:10:250::10',
    remoteNode: 'fd00:10:250::20',
    client: 'fd00:10:250::100',
    pods: new Map(Object.entries(POD_IPS)),
  };
  await ip(exec, '-n', topology.node.netns, '-6', 'addr', 'add', `${addresses.node}/64`, 'dev', 'eth0', 'nodad');
  await ip(exec, '-n', topology.remoteNode.netns, '-6', 'addr', 'add', `${addresses.remoteNode}/64`, 'dev', 'eth0', 'nodad');
  await ip(exec, '-n', topology.client.netns, '-6', 'addr', 'add', `${addresses.client}/64`, 'dev', 'eth0', 'nodad');
  await ip(exec, '-n', topology.node.netns, '-6', 'addr', 'add', 'fd00:10:244:1::1/64', 'dev', 'cbr0', 'nodad');
  await ip(exec, '-n', topology.remoteNode.netns, '-6', 'addr', 'add', 'fd00:10:244:2::1/64', 'dev', 'cbr0', 'nodad');
  for (const pod of topology.pods) {
    const podIP = addresses.pods.get(pod.name);
    if (podIP === undefined) throw new Error(`no IPv6 address for ${pod.name}`);
    const gateway = pod.isLocal ? 'fd00:10:244:1::1' : 'fd00:10:244:2::1';
    await ip(exec, '-n', pod.netns, '-6', 'addr', 'add', `${podIP}/64`, 'dev', 'eth0', 'nodad');
    await ip(exec, '-n', pod.netns, '-6', 'route', 'add', 'default', 'via', gateway);
  }
  await ip(exec, '-n', topology.node.netns, '-6', 'route', 'add', 'fd00:10:244:2::/64', 'via', addresses.remoteNode);
  await ip(exec, '-n', topology.remoteNode.netns, '-6', 'route', 'add', 'fd00:10:244:1::/64', 'via', addresses.node);
  await ip(exec, '-n', topology.node.netns, '-6', 'route', 'add', SERVICE_CIDR_V6, 'via', addresses.remoteNode);
  await ip(exec, '-n', topology.remoteNode.netns, '-6', 'route', 'add', 'unreachable', SERVICE_CIDR_V6);
  for (const node of [topology.node.netns, topology.remoteNode.netns]) await execSysctl(execInNetns(exec, node)).write('net.ipv6.conf.all.forwarding', '1');
  await waitForLinkLocalAddresses(exec, topology.namespaces);
  return addresses;
}

/**
 * Waits until no namespace has a tentative IPv6 address. The global addresses are `nodad`, but
 * each interface's link-local one still runs duplicate address detection for about a second,
 * and until it ends the node has no source for the neighbour solicitations of traffic it
 * forwards: the first connections to the remote node's pods timed out.
 */
async function waitForLinkLocalAddresses(exec: Exec, namespaces: readonly string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tentative: string[] = [];
    for (const netns of namespaces) {
      const shown = await exec({ file: 'ip', args: ['-n', netns, '-6', 'addr', 'show', 'tentative'] });
      if (shown.stdout.trim() !== '') tentative.push(netns);
    }
    if (tentative.length === 0) return;
    if (Date.now() > deadline) throw new Error(`IPv6 addresses still tentative after ${timeoutMs} ms in ${tentative.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
