// The IPVS mode: a pure planner and formatter over DesiredState, and the dataplane that
// programs IPVS (ipvsadm -R), ipsets (ipset restore), kube-ipvs0 and a few iptables rules.
import type { Mode } from '../mode.ts';
import { openIpvsDataplane, type IpvsDataplaneOptions } from './dataplane.ts';
import { formatIpvsPlan } from './format.ts';
import type { IpvsOptions } from './options.ts';
import { createIpvsPlanner } from './plan.ts';
import type { IpvsPlan } from './plan-types.ts';

export function createIpvsMode(options: IpvsOptions = {}, dataplaneOptions: Omit<IpvsDataplaneOptions, keyof IpvsOptions> = {}): Mode<IpvsPlan> {
  return {
    name: 'ipvs',
    plan: createIpvsPlanner(options),
    format: formatIpvsPlan,
    open: (deps) => openIpvsDataplane(deps, { ...dataplaneOptions, ...options }),
  };
}

/** With kube-proxy's defaults (rr, no strict ARP): what the registry and `kpx render` use. */
export const ipvsMode: Mode<IpvsPlan> = createIpvsMode();
