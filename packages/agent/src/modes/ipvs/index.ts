// The IPVS mode: a pure planner and formatter over DesiredState, and the dataplane that
// programs IPVS (ipvsadm -R), ipsets (ipset restore), kube-ipvs0 and a few iptables rules.
import type { Mode } from '../mode.ts';
import { openIpvsDataplane, type IpvsModeOptions } from './dataplane.ts';
import { formatIpvsPlan } from './format.ts';
import { cleanupIpvsLeftovers } from './leftovers.ts';
import { effectiveScheduler, ipvsOptionsFromConfig } from './options.ts';
import { planIpvs } from './plan.ts';
import type { IpvsPlan } from './plan-types.ts';

export const ipvsMode: Mode<IpvsPlan, IpvsModeOptions> = {
  name: 'ipvs',
  optionsFromConfig: (config) => ipvsOptionsFromConfig(config),
  plan: (state, options, changed) => planIpvs(state, changed, effectiveScheduler(options)),
  format: formatIpvsPlan,
  open: openIpvsDataplane,
  writes: ['ipvs', 'iptables'],
  hasStateApartFromKubeProxy: false,
  cleanupLeftovers: cleanupIpvsLeftovers,
};
