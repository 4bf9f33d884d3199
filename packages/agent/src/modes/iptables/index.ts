// The iptables mode: a pure planner and formatter over DesiredState, and the dataplane that
// applies plans with iptables-restore.
import type { Mode } from '../mode.ts';
import { openIptablesDataplane, type IptablesModeOptions } from './dataplane.ts';
import { cleanupIptablesLeftovers } from './leftovers.ts';
import type { IptablesPlan } from './plan-types.ts';
import { planIptables } from './plan.ts';
import { formatIptablesPlan } from './render-plan-text.ts';

export const iptablesMode: Mode<IptablesPlan, IptablesModeOptions> = {
  name: 'iptables',
  // Everything the iptables proxier reads from the configuration is in DesiredState already.
  optionsFromConfig: () => ({}),
  plan: (state, _options, changed) => planIptables(state, changed),
  format: formatIptablesPlan,
  open: openIptablesDataplane,
  writes: ['iptables'],
  // KUBE-SERVICES and its kin are kube-proxy's names too.
  hasStateApartFromKubeProxy: false,
  cleanupLeftovers: cleanupIptablesLeftovers,
};
