// Deleting stale conntrack entries with the `conntrack` tool (conntrack-tools), argv only,
// as upstream's pkg/util/conntrack did before it moved to netlink. Used for UDP (and
// SCTP) services, where a flow keeps following its old NAT decision until its entry goes.
import { isIP } from 'node:net';
import { KpxError } from '../errors.ts';
import type { IPFamily, Protocol } from '../model/types.ts';
import type { Exec } from './exec.ts';

const CONNTRACK = 'conntrack';
// What conntrack prints (with exit status 1) when a filter matched nothing.
const NOTHING_DELETED = '0 flow entries have been deleted';
const DELETED_COUNT = /(\d+) flow entries have been deleted/;

/** One deletion filter; every field given must match. */
export interface ConntrackFilter {
  readonly protocol: Protocol;
  /** Original destination (the service IP the client sent to). */
  readonly origDst?: string;
  /** Original destination port (a node port). */
  readonly dport?: number;
  /** Reply source: the endpoint the flow was DNATed to. */
  readonly replySrc?: string;
  /** The family of a filter without addresses (a node port); the addresses' family otherwise. IPv4 when unsaid. */
  readonly family?: IPFamily;
}

function assertIP(ip: string, field: string): void {
  if (isIP(ip) === 0) throw new KpxError('KPX_ERR_CONFIG', `invalid ${field} for conntrack: ${JSON.stringify(ip)}`, { context: { field, ip } });
}

/** The argv for `conntrack -D` with `filter`; throws KPX_ERR_CONFIG on an invalid filter. */
export function conntrackDeleteArgs(filter: ConntrackFilter): string[] {
  const args = ['-D', '-p', filter.protocol.toLowerCase()];
  const ips: string[] = [];
  if (filter.origDst !== undefined) {
    assertIP(filter.origDst, 'origDst');
    args.push('--orig-dst', filter.origDst);
    ips.push(filter.origDst);
  }
  if (filter.dport !== undefined) {
    if (!Number.isInteger(filter.dport) || filter.dport < 1 || filter.dport > 65535) {
      throw new KpxError('KPX_ERR_CONFIG', `invalid port for conntrack: ${filter.dport}`, { context: { dport: filter.dport } });
    }
    args.push('--dport', String(filter.dport));
  }
  if (filter.replySrc !== undefined) {
    assertIP(filter.replySrc, 'replySrc');
    args.push('--reply-src', filter.replySrc);
    ips.push(filter.replySrc);
  }
  if (args.length === 3) {
    throw new KpxError('KPX_ERR_CONFIG', 'a conntrack deletion needs an address or a port', { context: { filter } });
  }
  const families = new Set(ips.map((ip) => isIP(ip)));
  if (families.size > 1) throw new KpxError('KPX_ERR_CONFIG', 'conntrack filter mixes IPv4 and IPv6', { context: { filter } });
  // conntrack defaults to IPv4; without `-f ipv6` an IPv6 filter is rejected.
  if (families.has(6) ? filter.family === 'IPv4' : families.size > 0 && filter.family === 'IPv6') {
    throw new KpxError('KPX_ERR_CONFIG', 'conntrack filter family does not match its addresses', { context: { filter } });
  }
  if (families.has(6) || filter.family === 'IPv6') args.push('-f', 'ipv6');
  return args;
}

/** Deletes the entries matching `filter`; resolves with how many went. Nothing to delete is not an error. */
export async function deleteConntrackEntries(exec: Exec, filter: ConntrackFilter): Promise<number> {
  const args = conntrackDeleteArgs(filter);
  const result = await exec({ file: CONNTRACK, args, timeoutMs: 10_000 });
  if (result.exitCode !== 0 && !result.stderr.includes(NOTHING_DELETED)) {
    throw new KpxError('KPX_ERR_EXEC', 'conntrack could not delete entries', {
      context: { args, exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
    });
  }
  const count = DELETED_COUNT.exec(result.stderr) ?? DELETED_COUNT.exec(result.stdout);
  return count === null ? 0 : Number(count[1]);
}

/** Entries of `protocol` flows sent to service IP `ip` (upstream's ClearEntriesForIP). */
export function clearEntriesForIP(exec: Exec, ip: string, protocol: Protocol): Promise<number> {
  return deleteConntrackEntries(exec, { protocol, origDst: ip });
}

/** Entries of flows sent to node port `port` (upstream's ClearEntriesForPort). */
export function clearEntriesForPort(exec: Exec, port: number, protocol: Protocol): Promise<number> {
  return deleteConntrackEntries(exec, { protocol, dport: port });
}

/** Entries of flows to `serviceIP` that were DNATed to the removed `endpointIP` (ClearEntriesForNAT). */
export function clearEntriesForNAT(exec: Exec, serviceIP: string, endpointIP: string, protocol: Protocol): Promise<number> {
  return deleteConntrackEntries(exec, { protocol, origDst: serviceIP, replySrc: endpointIP });
}
