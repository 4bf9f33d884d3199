// Where the health-check node-port servers listen, as upstream's nodePortAddresses do:
// every address when none is configured, the node IPs for 'primary', else this host's
// addresses inside the configured CIDRs.
import { networkInterfaces } from 'node:os';
import { BlockList, isIP } from 'node:net';

export function healthCheckListenAddresses(nodePortAddresses: readonly string[], nodeIPs: readonly string[]): string[] {
  if (nodePortAddresses.length === 0) return [];
  if (nodePortAddresses.includes('primary')) return [...nodeIPs];
  const ranges = new BlockList();
  for (const cidr of nodePortAddresses) {
    const [address = '', prefix = ''] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    ranges.addSubnet(address, Number(prefix), family);
  }
  const local = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []);
  return [...new Set(local.filter((entry) => ranges.check(entry.address, entry.family === 'IPv6' ? 'ipv6' : 'ipv4')).map((entry) => entry.address))];
}
