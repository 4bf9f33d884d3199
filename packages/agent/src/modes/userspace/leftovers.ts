// What the userspace mode leaves behind: its service-address interface (kpx-svc0). Its
// listeners live and die with the process.
import { execInNetns } from '../../sys/netns.ts';
import type { LeftoverDeps, LeftoverReport, LeftoverSettings } from '../mode.ts';
import type { UserspaceDataplaneOptions } from './dataplane.ts';
import { serviceInterface } from './service-interface.ts';

export async function cleanupUserspaceLeftovers(deps: LeftoverDeps, settings: LeftoverSettings<UserspaceDataplaneOptions>): Promise<LeftoverReport> {
  const exec = settings.netns === '' ? deps.exec : execInNetns(deps.exec, settings.netns);
  try {
    const removed = await serviceInterface(exec, settings.options.interfaceName).remove();
    return { removed: { interfaces: removed ? 1 : 0 }, failures: [] };
  } catch (error) {
    return { removed: { interfaces: 0 }, failures: [{ step: 'service interface', error }] };
  }
}
