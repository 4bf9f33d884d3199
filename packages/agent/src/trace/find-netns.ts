// Which network namespace holds an address: each namespace `ip netns list` names, read with
// `ip -j addr`, and the namespace kpx runs in (''). Several namespaces may hold the same address
// (one host running several labs or test clusters, each with its own 10.244.1.10), so the
// search starts at the node's namespace and goes out link by link (`ip -j netns list-id`: the
// namespaces its veths lead to, then theirs): the nearest holder is the one the node can reach.
import type { Exec } from '../sys/exec.ts';
import { execInNetns, listNetns } from '../sys/netns.ts';
import { addressesOfIpAddrJson, netnsIdsOfListIdJson, type InterfaceAddress, type NetnsId } from './ip-json.ts';

export interface Holder {
  readonly netns: string;
  readonly interface: string;
}

const inNetns = (exec: Exec, netns: string): Exec => (netns === '' ? exec : execInNetns(exec, netns));

async function addressesIn(exec: Exec, netns: string): Promise<InterfaceAddress[]> {
  const result = await inNetns(exec, netns)({ file: 'ip', args: ['-j', 'addr', 'show'] });
  return result.exitCode === 0 ? addressesOfIpAddrJson(result.stdout) : [];
}

/** The namespaces `netns` has ids for: where the peers of its veths live. */
export async function linkedNetns(exec: Exec, netns: string): Promise<NetnsId[]> {
  const result = await inNetns(exec, netns)({ file: 'ip', args: ['-j', 'netns', 'list-id'] });
  return result.exitCode === 0 ? netnsIdsOfListIdJson(result.stdout) : [];
}

/** The namespaces to search, nearest to `near` first (breadth first over links), then every other named one, then ''. */
async function searchOrder(exec: Exec, near: string | undefined): Promise<string[]> {
  const named = await listNetns(exec);
  if (near === undefined) return [...named, ''];
  const order = [near];
  for (let index = 0; index < order.length; index++) {
    for (const { name } of await linkedNetns(exec, order[index] ?? ''))
      if (name !== undefined && !order.includes(name) && named.includes(name)) order.push(name);
  }
  return [...order, ...[...named, ''].filter((netns) => !order.includes(netns))];
}

/**
 * The namespace and interface holding `ip`, or undefined. `skip` names interfaces that do not
 * count (kpx's service interface); `near` is the node's namespace, searched from first.
 */
export async function findAddressHolder(exec: Exec, ip: string, skip: ReadonlySet<string> = new Set(), near?: string): Promise<Holder | undefined> {
  for (const netns of await searchOrder(exec, near)) {
    const found = (await addressesIn(exec, netns)).find((address) => address.address === ip && !skip.has(address.interface));
    if (found !== undefined) return { netns, interface: found.interface };
  }
  return undefined;
}
