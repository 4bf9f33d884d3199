// Value checks shared by the flag table and the KubeProxyConfiguration file schema.
// Each returns the reason a value is invalid, or undefined when it is fine.
import { isIP } from 'node:net';

export type Check<T> = (value: T) => string | undefined;

export function isIPLiteral(text: string): boolean {
  return isIP(text) !== 0;
}

export function ipFamilyOf(text: string): 'IPv4' | 'IPv6' | undefined {
  const version = isIP(text);
  return version === 4 ? 'IPv4' : version === 6 ? 'IPv6' : undefined;
}

/** The family of a CIDR such as `10.0.0.0/8` or `fd00::/64`; undefined when it is not one. */
export function cidrFamilyOf(text: string): 'IPv4' | 'IPv6' | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const family = ipFamilyOf(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (family === undefined || !/^\d{1,3}$/.test(prefix)) return undefined;
  return Number(prefix) <= (family === 'IPv4' ? 32 : 128) ? family : undefined;
}

export const checkIP: Check<string> = (value) => (isIPLiteral(value) ? undefined : 'must be a valid IP address (e.g. 10.0.0.1 or fd00::1)');

export const checkCIDRList: Check<readonly string[]> = (values) => {
  const bad = values.find((value) => cidrFamilyOf(value) === undefined);
  return bad === undefined ? undefined : `"${bad}" must be a valid CIDR (e.g. 10.100.0.0/16 or fde4:8dba:82e1::/48)`;
};

export const checkIPList: Check<readonly string[]> = (values) => {
  const bad = values.find((value) => !isIPLiteral(value));
  return bad === undefined ? undefined : `"${bad}" must be a valid IP address`;
};

/** `IP:port`, `[IPv6]:port`, or a bare IP (the default port is appended); '' (disabled) is accepted. */
export const checkHostPort: Check<string> = (value) => {
  if (value === '' || isIPLiteral(value)) return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !isIPLiteral(host) || (match?.[1] !== undefined && ipFamilyOf(host) !== 'IPv6')) {
    return 'must be IP:port (e.g. 0.0.0.0:10256 or [::]:10256), or empty to disable';
  }
  return port >= 1 && port <= 65535 ? undefined : 'must be IP:port with a port within the range [1, 65535]';
};

export function checkRange(min: number, max: number): Check<number> {
  return (value) => (Number.isInteger(value) && value >= min && value <= max ? undefined : `must be within the range [${min}, ${max}]`);
}

export const checkNonNegative: Check<number> = (value) => (value >= 0 ? undefined : 'must be greater than or equal to 0');

export const checkPositive: Check<number> = (value) => (value > 0 ? undefined : 'must be greater than 0');

export function checkOneOf(allowed: readonly string[]): Check<string> {
  return (value) => (allowed.includes(value) ? undefined : `must be one of: ${allowed.map((name) => (name === '' ? '"" (default)' : name)).join(', ')}`);
}

/** Appends the default port to a bare IP, as upstream's AppendPortIfNeeded. */
export function appendPortIfNeeded(address: string, port: number): string {
  const family = ipFamilyOf(address);
  if (family === undefined) return address;
  return family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
}
