// Strict CIDRs (address as in ip.ts, decimal prefix without leading zeros). Host bits are
// allowed and masked off, as Go's ParseCIDR does: the result is the network.
import type { IPFamily } from '../types.ts';
import { formatIPv6Groups, parseIPv4Octets, parseIPv6Groups } from './ip.ts';

export interface ParsedCIDR {
  /** Canonical network text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly cidr: string;
  readonly family: IPFamily;
  readonly prefixLength: number;
}

export type CIDRParseResult = ParsedCIDR | { readonly error: string };

const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

function maskGroups(values: readonly number[], bitsPerValue: number, prefixLength: number): number[] {
  return values.map((value, index) => {
    const keep = Math.min(Math.max(prefixLength - index * bitsPerValue, 0), bitsPerValue);
    const mask = keep === 0 ? 0 : ((1 << bitsPerValue) - 1) ^ ((1 << (bitsPerValue - keep)) - 1);
    return value & mask;
  });
}

export function parseCIDR(text: string): CIDRParseResult {
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/') || text.length > 49) {
    return { error: 'must be a valid CIDR (e.g. 10.0.0.0/8 or 2001:db8::/32)' };
  }
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!PREFIX.test(prefixText)) return { error: 'must have a decimal prefix length without leading zeros' };
  const prefixLength = Number(prefixText);
  if (!address.includes(':')) {
    const octets = parseIPv4Octets(address);
    if (octets === undefined) return { error: 'must be a valid IPv4 CIDR without leading zeros' };
    if (prefixLength > 32) return { error: 'must have a prefix length of at most 32' };
    return { cidr: `${maskGroups(octets, 8, prefixLength).join('.')}/${prefixLength}`, family: 'IPv4', prefixLength };
  }
  if (address.includes('%')) return { error: 'must not include an IPv6 zone' };
  const groups = parseIPv6Groups(address);
  if (groups === undefined) return { error: 'must be a valid IPv6 CIDR' };
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return { error: 'must not have an IPv4-mapped IPv6 address' };
  }
  if (prefixLength > 128) return { error: 'must have a prefix length of at most 128' };
  return { cidr: `${formatIPv6Groups(maskGroups(groups, 16, prefixLength))}/${prefixLength}`, family: 'IPv6', prefixLength };
}

export function isParsedCIDR(result: CIDRParseResult): result is ParsedCIDR {
  return !('error' in result);
}
