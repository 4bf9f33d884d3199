// The kernel settings the iptables proxier needs, as upstream's NewProxier / PrivilegedInit
// handle them: route_localnet=1 when NodePorts answer on 127.0.0.1, and a warning when
// bridged pod traffic would bypass iptables (br_netfilter missing or switched off).
import type { Logger } from '../log.ts';
import type { NodePortAddresses } from '../model/node-port-addresses.ts';
import type { IPFamily } from '../model/types.ts';
import { ensureSysctl, type Sysctl } from '../sys/sysctl.ts';

export const SYSCTL_ROUTE_LOCALNET = 'net.ipv4.conf.all.route_localnet';
export const SYSCTL_BRIDGE_CALL_IPTABLES = 'net.bridge.bridge-nf-call-iptables';

export interface SysctlSetupOptions {
  readonly ipFamily: IPFamily;
  readonly localhostNodePorts: boolean;
  readonly nodePortAddresses: NodePortAddresses;
}

export interface SysctlSetupReport {
  readonly routeLocalnetSet: boolean;
  readonly bridgeNfCallIptables: string | undefined;
}

export async function setUpSysctls(sysctl: Sysctl, options: SysctlSetupOptions, log: Logger): Promise<SysctlSetupReport> {
  let routeLocalnetSet = false;
  if (options.ipFamily === 'IPv4' && options.localhostNodePorts && options.nodePortAddresses.containsIPv4Loopback) {
    log.info(
      { sysctl: SYSCTL_ROUTE_LOCALNET },
      'Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses',
    );
    routeLocalnetSet = await ensureSysctl(sysctl, SYSCTL_ROUTE_LOCALNET, '1', log);
  }
  const bridgeNfCallIptables = await checkBridgeNetfilter(sysctl, log);
  return { routeLocalnetSet, bridgeNfCallIptables };
}

/**
 * Upstream's warning (iptables and ipvs proxiers alike): without br_netfilter, a reply from a pod
 * to a pod on the same bridge skips the node's conntrack, so same-node service traffic breaks.
 */
export async function checkBridgeNetfilter(sysctl: Sysctl, log: Logger): Promise<string | undefined> {
  const bridgeNfCallIptables = await sysctl.read(SYSCTL_BRIDGE_CALL_IPTABLES);
  if (bridgeNfCallIptables !== '1') {
    log.warn(
      { sysctl: SYSCTL_BRIDGE_CALL_IPTABLES, value: bridgeNfCallIptables ?? null },
      'Missing br-netfilter module or unset sysctl br-nf-call-iptables, proxy may not work as intended',
    );
  } else {
    log.debug({ sysctl: SYSCTL_BRIDGE_CALL_IPTABLES, value: bridgeNfCallIptables }, 'sysctl checked');
  }
  return bridgeNfCallIptables;
}
