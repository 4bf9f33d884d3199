// Pure: the kernel state after a batch from diffKernel applied, so a partial sync compares
// against what kpx knows it wrote instead of re-reading every virtual server.
import { splitEntryKey, type DesiredIndex } from './desired-index.ts';
import type { DiffInput, IpvsBatch } from './diff.ts';
import { splitDrainKey } from './graceful-termination.ts';
import { hostPort, serviceSpec, type ParsedVirtualServer } from './ipvsadm-text.ts';
import type { KernelState } from './kernel-state.ts';

function keysOf(input: DiffInput, desired: DesiredIndex): { services: Iterable<string>; entries: Iterable<string>; addresses: Iterable<string> } {
  if (input.scope !== 'all') return { services: input.scope.virtualServers, entries: input.scope.entries, addresses: input.scope.addresses };
  const observed = input.observed;
  const entries = new Set(desired.entryKeys());
  for (const [set, members] of observed.sets) for (const entry of members) entries.add(`${set} ${entry}`);
  return {
    services: new Set([...desired.virtualServerKeys(), ...observed.virtualServers.keys()]),
    entries,
    addresses: new Set([...desired.addresses(), ...observed.addresses]),
  };
}

/** Mutates `input.observed` into the state after `batch`; draining real servers stay at weight 0. */
export function advanceKernelState(input: DiffInput, batch: IpvsBatch, stillDraining: ReadonlySet<string>): void {
  const { observed, desired } = input;
  const removed = new Set(batch.removedServices.map(serviceSpec));
  const keys = keysOf(input, desired);
  const drainingByService = new Map<string, string[]>();
  for (const key of stillDraining) {
    const { serviceKey, realHostPort } = splitDrainKey(key);
    drainingByService.set(serviceKey, [...(drainingByService.get(serviceKey) ?? []), realHostPort]);
  }
  for (const key of keys.services) {
    const wanted = desired.virtualServer(key);
    const found = observed.virtualServers.get(key);
    if (wanted === undefined) {
      if (found !== undefined && removed.has(key)) observed.virtualServers.delete(key);
      continue;
    }
    const reals = wanted.realServers.map((real) => ({ ...real }));
    const wantedHostPorts = new Set(reals.map((real) => hostPort(real.address, real.port)));
    for (const real of found?.reals ?? []) {
      const realKey = hostPort(real.address, real.port);
      if (!wantedHostPorts.has(realKey) && drainingByService.get(key)?.includes(realKey) === true) reals.push({ ...real, weight: 0 });
    }
    const next: ParsedVirtualServer = { service: wanted, reals };
    observed.virtualServers.set(key, next);
  }
  for (const key of keys.entries) {
    const { set, entry } = splitEntryKey(key);
    let members = observed.sets.get(set);
    if (members === undefined) observed.sets.set(set, (members = new Set()));
    if (desired.hasEntry(key)) members.add(entry);
    else members.delete(entry);
  }
  for (const address of keys.addresses) {
    if (desired.hasAddress(address)) observed.addresses.add(address);
    else observed.addresses.delete(address);
  }
}

/** Mutates `observed`: drained real servers deleted. */
export function forgetDrained(observed: KernelState, drained: readonly string[]): void {
  for (const key of drained) {
    const { serviceKey, realHostPort } = splitDrainKey(key);
    const found = observed.virtualServers.get(serviceKey);
    if (found === undefined) continue;
    const index = found.reals.findIndex((real) => hostPort(real.address, real.port) === realHostPort);
    if (index >= 0) found.reals.splice(index, 1);
  }
}
