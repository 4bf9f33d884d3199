// Strict IP literals: what Go's netip.ParseAddr accepts, minus zones and IPv4-mapped IPv6
// (as the API server's strict validation), printed in canonical form (RFC 5952).
import type { IPFamily } from '../types.ts';

export interface ParsedIP {
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
  readonly ip: string;
  readonly family: IPFamily;
}

export type IPParseResult = ParsedIP | { readonly error: string };

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DOT = 46;

/** The four octets of a strict dotted quad (decimal, no leading zeros), or undefined. */
export function parseIPv4Octets(text: string): number[] | undefined {
  const octets: number[] = [];
  return scanIPv4(text, octets) ? octets : undefined;
}

/**
 * Whether `text` is a strict dotted quad, its octets pushed to `octets` when given. A
 * hand-rolled scanner that allocates nothing without `octets`: this runs for every endpoint
 * address of every build.
 */
function scanIPv4(text: string, octets?: number[]): boolean {
  let count = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i === text.length ? DOT : text.charCodeAt(i);
    if (code === DOT) {
      if (digits === 0 || count === 4) return false;
      octets?.push(value);
      count++;
      value = 0;
      digits = 0;
    } else if (code >= DIGIT_0 && code <= DIGIT_9) {
      if (digits > 0 && value === 0) return false; // leading zero
      value = value * 10 + (code - DIGIT_0);
      digits++;
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return count === 4;
}

function parseHexGroups(text: string, allowTrailingIPv4: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (allowTrailingIPv4 && i === parts.length - 1 && part.includes('.')) {
      const octets = parseIPv4Octets(part);
      if (octets === undefined) return undefined;
      groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** The eight 16-bit groups of an IPv6 literal, or undefined when it is not one. */
export function parseIPv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  if (halves.length === 1) {
    const groups = parseHexGroups(text, true);
    return groups !== undefined && groups.length === 8 ? groups : undefined;
  }
  const head = parseHexGroups(halves[0] ?? '', false);
  const tail = parseHexGroups(halves[1] ?? '', true);
  if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text for eight 16-bit groups. */
export function formatIPv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((group) => group.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

function isIPv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

/** Parses an IP literal strictly; the error says why in words fit for a Problem. */
export function parseIP(text: string): IPParseResult {
  if (text.length > 45) return { error: 'must be a valid IP address' };
  if (text.includes('.') && !text.includes(':')) {
    // A strict dotted quad is already canonical.
    if (!scanIPv4(text)) return { error: 'must be a valid IPv4 address without leading zeros' };
    return { ip: text, family: 'IPv4' };
  }
  if (!text.includes(':')) return { error: 'must be a valid IP address' };
  if (text.includes('%')) return { error: 'must not include an IPv6 zone' };
  const groups = parseIPv6Groups(text);
  if (groups === undefined) return { error: 'must be a valid IPv6 address' };
  if (isIPv4Mapped(groups)) return { error: 'must not be an IPv4-mapped IPv6 address' };
  return { ip: formatIPv6Groups(groups), family: 'IPv6' };
}

/** An IP read by parseIPSloppy; `legacy` when only the lenient reading accepted it. */
export type SloppyIPParseResult = (ParsedIP & { readonly legacy: boolean }) | { readonly error: string };

const LEGACY_IPV4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;

/**
 * Upstream's netutils.ParseIPSloppy: what parseIP accepts, and also a dotted quad whose
 * octets have leading zeros, read as decimal (`172.30.0.041` is 172.30.0.41, never octal),
 * as Go's net.ParseIP did before 1.17. API servers of that era let such Services in.
 */
export function parseIPSloppy(text: string): SloppyIPParseResult {
  const strict = parseIP(text);
  if (isParsedIP(strict)) return { ...strict, legacy: false };
  const match = LEGACY_IPV4.exec(text);
  if (match === null) return strict;
  const octets = match.slice(1).map((digits) => Number(digits));
  if (octets.some((octet) => octet > 255)) return strict;
  return { ip: octets.join('.'), family: 'IPv4', legacy: true };
}

/** The reason of a `warning` for a legacy literal read leniently. */
export function legacyIPReason(ip: string): string {
  return `legacy IPv4 literal with leading zeros, read as ${ip} (decimal, as upstream's ParseIPSloppy)`;
}

export function isParsedIP<T extends ParsedIP>(result: T | { readonly error: string }): result is T {
  return !('error' in result);
}
