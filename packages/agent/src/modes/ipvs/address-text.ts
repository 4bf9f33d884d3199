// The addresses on kube-ipvs0: `ip -o addr show dev kube-ipvs0` read back, `ip -batch` lines written.
import type { IPFamily } from '../../model/types.ts';
import { DUMMY_DEVICE } from './kernel-names.ts';

/** Pure: the addresses of `family` (without prefix length) `ip -o addr show dev kube-ipvs0` lists. */
export function parseDeviceAddresses(text: string, family: IPFamily): Set<string> {
  const addresses = new Set<string>();
  const keyword = family === 'IPv4' ? 'inet' : 'inet6';
  for (const line of text.split('\n')) {
    const match = /\s(inet6?)\s+([0-9a-fA-F.:]+)\/\d+/.exec(line);
    if (match?.[1] === keyword && match[2] !== undefined) addresses.add(match[2].toLowerCase());
  }
  return addresses;
}

function hostPrefix(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

export function addAddressLine(address: string): string {
  return `address add ${hostPrefix(address)} dev ${DUMMY_DEVICE}`;
}

export function deleteAddressLine(address: string): string {
  return `address del ${hostPrefix(address)} dev ${DUMMY_DEVICE}`;
}
