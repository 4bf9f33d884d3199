// Minimal IP/CIDR arithmetic for the renderer (and the packet tracer in tests). Inputs were
// validated by the model; anything unparsable here simply does not match.

export function isIPv4Literal(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

/** Whether `ip` lies inside `cidr` (same family; a bare address counts as a host CIDR). */
export function cidrContains(cidr: string, ip: string): boolean {
  const slash = cidr.indexOf('/');
  const base = slash === -1 ? cidr : cidr.slice(0, slash);
  const v4Base = parseIPv4(base);
  if (v4Base !== undefined) {
    const v4 = parseIPv4(ip);
    const bits = slash === -1 ? 32 : Number(cidr.slice(slash + 1));
    if (v4 === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
    const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(32 - bits);
    return (BigInt(v4) & mask) === (BigInt(v4Base) & mask);
  }
  const v6Base = parseIPv6(base);
  const v6 = parseIPv6(ip);
  const bits = slash === -1 ? 128 : Number(cidr.slice(slash + 1));
  if (v6Base === undefined || v6 === undefined || !Number.isInteger(bits) || bits < 0 || bits > 128) return false;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return (v6 & mask) === (v6Base & mask);
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function parseIPv6(text: string): bigint | undefined {
  if (!text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseHextets(halves[0] ?? '');
  const tail = halves.length === 2 ? parseHextets(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

function parseHextets(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}
