// The host's (or a namespace's) interface addresses, as upstream's NodePortAddresses.GetNodeIPs
// reads them through its network interfacer: `ip -j addr show`, one family. The interfaces that
// hold service IPs (IPVS's kube-ipvs0, userspace's kpx-svc0) are left out: their addresses are
// not the node's. Read at start and on each full sync, then handed to the pure model.
import { isIP } from 'node:net';
import { KpxError } from '../errors.ts';
import type { IPFamily } from '../model/types.ts';
import type { Exec } from './exec.ts';

/** Interfaces whose addresses are service IPs kpx bound, never node addresses. */
export const SERVICE_IP_INTERFACES: readonly string[] = ['kube-ipvs0', 'kpx-svc0'];

interface AddrInfo {
  readonly family?: unknown;
  readonly local?: unknown;
}

/** The addresses of `family` in `ip -j addr show` output, in interface order, each once. Pure. */
export function parseLocalAddresses(json: string, family: IPFamily): string[] {
  const links: unknown = JSON.parse(json);
  if (!Array.isArray(links)) return [];
  const wanted = family === 'IPv6' ? 'inet6' : 'inet';
  const found: string[] = [];
  for (const link of links as { ifname?: unknown; addr_info?: unknown }[]) {
    if (typeof link.ifname === 'string' && SERVICE_IP_INTERFACES.includes(link.ifname)) continue;
    if (!Array.isArray(link.addr_info)) continue;
    for (const info of link.addr_info as AddrInfo[]) {
      if (info.family !== wanted || typeof info.local !== 'string' || isIP(info.local) === 0 || found.includes(info.local)) continue;
      found.push(info.local);
    }
  }
  return found;
}

/** Every local address of `family`; throws KPX_ERR_EXEC when `ip` fails. */
export async function readLocalAddresses(exec: Exec, family: IPFamily): Promise<string[]> {
  const args = ['-j', family === 'IPv6' ? '-6' : '-4', 'addr', 'show'];
  const result = await exec({ file: 'ip', args, timeoutMs: 10_000 });
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_EXEC', 'ip could not list the local addresses', {
      context: { args, exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
    });
  }
  try {
    return parseLocalAddresses(result.stdout, family);
  } catch (error) {
    throw new KpxError('KPX_ERR_EXEC', 'ip printed addresses kpx cannot read', { cause: error, context: { args } });
  }
}
