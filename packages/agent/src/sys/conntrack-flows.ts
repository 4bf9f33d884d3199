// Reading the conntrack table with the `conntrack` tool: `conntrack -L -p udp -f ipv4|ipv6`,
// which conntrack-tools ≥ 1.4.6 filters in the kernel (CTA_FILTER), so only one protocol and
// one family cross into kpx. Upstream's reconciler lists through netlink the same way
// (pkg/proxy/conntrack ListEntries).
import { KpxError } from '../errors.ts';
import type { IPFamily, Protocol } from '../model/types.ts';
import type { Exec } from './exec.ts';

/** One flow: its original tuple (what the client sent) and the reply source (the endpoint it was DNATed to). */
export interface ConntrackFlow {
  readonly protocol: Protocol;
  readonly origSrc: string;
  readonly origDst: string;
  readonly origDport: number;
  readonly replySrc: string;
}

const PROTOCOL_NAMES: Readonly<Record<string, Protocol>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

/** One line of `conntrack -L`; undefined for lines that are not flows (or lack a tuple). Pure. */
export function parseConntrackLine(line: string): ConntrackFlow | undefined {
  const fields = line.trim().split(/\s+/);
  const protocol = PROTOCOL_NAMES[fields.find((field) => field in PROTOCOL_NAMES) ?? ''];
  if (protocol === undefined) return undefined;
  const values: Record<string, string[]> = { src: [], dst: [], dport: [] };
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) continue;
    values[field.slice(0, eq)]?.push(field.slice(eq + 1));
  }
  const [origSrc, replySrc] = values.src ?? [];
  const [origDst] = values.dst ?? [];
  const [dport] = values.dport ?? [];
  if (origSrc === undefined || origDst === undefined || replySrc === undefined || dport === undefined) return undefined;
  return { protocol, origSrc, origDst, origDport: Number(dport), replySrc };
}

/** Every flow in `conntrack -L` output. Pure. */
export function parseConntrackList(text: string): ConntrackFlow[] {
  const flows: ConntrackFlow[] = [];
  for (const line of text.split('\n')) {
    const flow = parseConntrackLine(line);
    if (flow !== undefined) flows.push(flow);
  }
  return flows;
}

/** The argv listing one protocol's flows of one family. */
export function conntrackListArgs(protocol: Protocol, family: IPFamily): string[] {
  return ['-L', '-p', protocol.toLowerCase(), '-f', family === 'IPv6' ? 'ipv6' : 'ipv4'];
}

/** The table's flows of `protocol` and `family`; throws KPX_ERR_EXEC when conntrack fails. */
export async function listConntrackFlows(exec: Exec, protocol: Protocol, family: IPFamily): Promise<ConntrackFlow[]> {
  const args = conntrackListArgs(protocol, family);
  const result = await exec({ file: 'conntrack', args, timeoutMs: 30_000 });
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_EXEC', 'conntrack could not list entries', {
      context: { args, exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
    });
  }
  return parseConntrackList(result.stdout);
}
