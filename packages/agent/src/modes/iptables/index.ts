// The iptables mode: a pure planner and formatter over DesiredState, and the dataplane that
// applies plans with iptables-restore.
import type { Mode } from '../mode.ts';
import type { IptablesPlan } from './plan-types.ts';
import { planIptables } from './plan.ts';
import { formatIptablesPlan } from './render-plan-text.ts';
import { openIptablesDataplane } from './dataplane.ts';

export const iptablesMode: Mode<IptablesPlan> = {
  name: 'iptables',
  plan: planIptables,
  format: formatIptablesPlan,
  open: (deps) => openIptablesDataplane(deps),
};
