// (previous, next) DesiredState → the service ports a mode must rewrite or remove.
import type { DesiredState, ServicePort, ServicePortName } from '../model/types.ts';
import type { ChangeSet } from './change-set.ts';
import { isSameServicePort } from './service-port-equal.ts';
import { isStructurallyEqual } from './structural-equal.ts';

/**
 * `full` when there is no previous state or the node context differs. `changed` holds new
 * and modified ports, `deleted` the vanished ones; `previous` their earlier versions.
 */
export function diffStates(previous: DesiredState | undefined, next: DesiredState): ChangeSet {
  const changed = new Set<ServicePortName>();
  const deleted = new Set<ServicePortName>();
  const previousPorts = new Map<ServicePortName, ServicePort>();
  if (previous === undefined) {
    for (const name of next.servicePorts.keys()) changed.add(name);
    return Object.freeze({ full: true, changed, deleted, previous: previousPorts });
  }
  for (const [name, port] of next.servicePorts) {
    const before = previous.servicePorts.get(name);
    if (before === undefined) {
      changed.add(name);
    } else if (!isSameServicePort(before, port)) {
      changed.add(name);
      previousPorts.set(name, before);
    }
  }
  for (const [name, port] of previous.servicePorts) {
    if (!next.servicePorts.has(name)) {
      deleted.add(name);
      previousPorts.set(name, port);
    }
  }
  const full = !isStructurallyEqual(previous.node, next.node);
  return Object.freeze({ full, changed, deleted, previous: previousPorts });
}
