// The userspace mode: service traffic carried through kpx's own sockets. A pure planner and
// formatter over DesiredState, and the dataplane that keeps the listeners.
import type { Mode } from '../mode.ts';
import type { UserspacePlan } from './plan-types.ts';
import { planUserspace } from './plan.ts';
import { formatUserspacePlan } from './format.ts';
import { openUserspaceDataplane, type UserspaceDataplaneOptions } from './dataplane.ts';

/** The mode with its own options (kube-proxy's udpIdleTimeout / --udp-timeout, TCP idle timeout). */
export function createUserspaceMode(options: UserspaceDataplaneOptions = {}): Mode<UserspacePlan> {
  return {
    name: 'userspace',
    plan: planUserspace,
    format: formatUserspacePlan,
    open: (deps) => openUserspaceDataplane(deps, options),
  };
}

export const userspaceMode: Mode<UserspacePlan> = createUserspaceMode();
