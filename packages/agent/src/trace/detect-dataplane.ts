// Which dataplane the node namespace has programmed, read from what is there: kpx's nftables
// table, KUBE-SERVICES on the iptables nft backend, then on the legacy backend, then the
// service address on kpx's userspace interface. ipvs is not traced (it needs the kernel VM
// here; a trace would read its connection from `ipvsadm -Lnc`).
import { SERVICE_INTERFACE } from '../modes/userspace/service-interface.ts';
import type { Exec } from '../sys/exec.ts';
import { execIfPresent } from '../sys/exec.ts';
import { addressesOfIpAddrJson } from './ip-json.ts';
import type { Flow } from './trace-types.ts';
import { nftFamily } from './trace-rules.ts';

export type Dataplane = 'nftables' | 'iptables-nft' | 'iptables-legacy' | 'userspace' | 'none';

export const DATAPLANE_LABELS: Readonly<Record<Dataplane, string>> = {
  nftables: 'nftables (table kube-proxy)',
  'iptables-nft': 'iptables (nft backend)',
  'iptables-legacy': 'iptables (legacy backend)',
  userspace: 'userspace (kpx proxies on the service address)',
  none: 'nothing kpx programs',
};

async function stdoutOf(exec: Exec, file: string, args: readonly string[]): Promise<string> {
  const result = await execIfPresent(exec, { file, args, timeoutMs: 30_000 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout : '';
}

export async function detectDataplane(exec: Exec, flow: Flow): Promise<Dataplane> {
  const family = nftFamily(flow);
  const tables = await stdoutOf(exec, 'nft', ['list', 'tables', family]);
  if (new RegExp(`^table ${family} kube-proxy$`, 'm').test(tables)) return 'nftables';
  const tools = family === 'ip6' ? 'ip6tables' : 'iptables';
  if (/^:KUBE-SERVICES /m.test(await stdoutOf(exec, `${tools}-nft-save`, ['-t', 'nat']))) return 'iptables-nft';
  // Without -t: asking the legacy backend for one table would create it.
  if (/^:KUBE-SERVICES /m.test(await stdoutOf(exec, `${tools}-legacy-save`, []))) return 'iptables-legacy';
  const serviceAddresses = addressesOfIpAddrJson(await stdoutOf(exec, 'ip', ['-j', 'addr', 'show', 'dev', SERVICE_INTERFACE]));
  if (serviceAddresses.some((address) => address.address === flow.destination)) return 'userspace';
  return 'none';
}
