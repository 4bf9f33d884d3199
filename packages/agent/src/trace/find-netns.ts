// Which network namespace holds an address: each namespace `ip netns list` names, read with
// `ip -j addr`, and last the namespace kpx runs in ('').
import type { Exec } from '../sys/exec.ts';
import { execInNetns, listNetns } from '../sys/netns.ts';
import { addressesOfIpAddrJson, type InterfaceAddress } from './ip-json.ts';

export interface Holder {
  readonly netns: string;
  readonly interface: string;
}

async function addressesIn(exec: Exec, netns: string): Promise<InterfaceAddress[]> {
  const here = netns === '' ? exec : execInNetns(exec, netns);
  const result = await here({ file: 'ip', args: ['-j', 'addr', 'show'] });
  return result.exitCode === 0 ? addressesOfIpAddrJson(result.stdout) : [];
}

/** The namespace and interface holding `ip`, or undefined. `skip` names interfaces that do not count (kpx's service interface). */
export async function findAddressHolder(exec: Exec, ip: string, skip: ReadonlySet<string> = new Set()): Promise<Holder | undefined> {
  for (const netns of [...(await listNetns(exec)), '']) {
    const found = (await addressesIn(exec, netns)).find((address) => address.address === ip && !skip.has(address.interface));
    if (found !== undefined) return { netns, interface: found.interface };
  }
  return undefined;
}
