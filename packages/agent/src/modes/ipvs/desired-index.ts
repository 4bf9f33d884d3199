// What kpx wants in the kernel, aggregated over every service port's PortPlan, with counts
// so that one port's change or removal says exactly which virtual servers, set entries and
// addresses it touched (two ports may share an address, an entry or even a virtual server).
import type { ServicePortName } from '../../model/types.ts';
import { serviceSpec } from './ipvsadm-text.ts';
import type { NoNodeAccess, PlannedVirtualServer, PortPlan } from './plan-types.ts';

/** Keys a change touched: virtual servers by serviceSpec, entries as `SET entry`, addresses. */
export interface Touched {
  readonly virtualServers: Set<string>;
  readonly entries: Set<string>;
  readonly addresses: Set<string>;
}

export function emptyTouched(): Touched {
  return { virtualServers: new Set(), entries: new Set(), addresses: new Set() };
}

export function entryKey(set: string, entry: string): string {
  return `${set} ${entry}`;
}

export function splitEntryKey(key: string): { set: string; entry: string } {
  const space = key.indexOf(' ');
  return { set: key.slice(0, space), entry: key.slice(space + 1) };
}

function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next === 0) counts.delete(key);
  else counts.set(key, next);
}

export class DesiredIndex {
  readonly #ports = new Map<ServicePortName, PortPlan>();
  readonly #virtualServers = new Map<string, Map<ServicePortName, PlannedVirtualServer>>();
  readonly #entries = new Map<string, number>();
  readonly #setSizes = new Map<string, number>();
  readonly #addresses = new Map<string, number>();
  /** Only the ports that have any, so a partial sync does not walk every port. */
  readonly #noNodeAccess = new Map<ServicePortName, readonly NoNodeAccess[]>();

  /** Replaces one port's contribution (undefined removes it); returns what that touched. */
  setPort(name: ServicePortName, plan: PortPlan | undefined, touched: Touched = emptyTouched()): Touched {
    const previous = this.#ports.get(name);
    if (previous !== undefined) this.#account(name, previous, -1, touched);
    this.#noNodeAccess.delete(name);
    if (plan === undefined) this.#ports.delete(name);
    else {
      this.#ports.set(name, plan);
      this.#account(name, plan, 1, touched);
      if (plan.noNodeAccess.length > 0) this.#noNodeAccess.set(name, plan.noNodeAccess);
    }
    return touched;
  }

  #account(name: ServicePortName, plan: PortPlan, by: 1 | -1, touched: Touched): void {
    for (const virtualServer of plan.virtualServers) {
      const key = serviceSpec(virtualServer);
      touched.virtualServers.add(key);
      let owners = this.#virtualServers.get(key);
      if (owners === undefined) this.#virtualServers.set(key, (owners = new Map()));
      if (by === 1) owners.set(name, virtualServer);
      else {
        owners.delete(name);
        if (owners.size === 0) this.#virtualServers.delete(key);
      }
    }
    for (const { set, entry } of plan.setEntries) {
      const key = entryKey(set, entry);
      touched.entries.add(key);
      const before = this.#entries.get(key) ?? 0;
      increment(this.#entries, key, by);
      const after = this.#entries.get(key) ?? 0;
      if ((before === 0) !== (after === 0)) increment(this.#setSizes, set, after === 0 ? -1 : 1);
    }
    for (const address of plan.boundAddresses) {
      touched.addresses.add(address);
      increment(this.#addresses, address, by);
    }
  }

  /** The virtual server wanted at `key`; when ports conflict, the one of the first port by name wins. */
  virtualServer(key: string): PlannedVirtualServer | undefined {
    const owners = this.#virtualServers.get(key);
    if (owners === undefined) return undefined;
    const first = [...owners.keys()].sort()[0];
    return first === undefined ? undefined : owners.get(first);
  }

  /** The ports that want the virtual server at `key`, sorted. */
  ownersOf(key: string): ServicePortName[] {
    return [...(this.#virtualServers.get(key)?.keys() ?? [])].sort();
  }

  hasEntry(key: string): boolean {
    return this.#entries.has(key);
  }

  hasAddress(address: string): boolean {
    return this.#addresses.has(address);
  }

  virtualServerKeys(): IterableIterator<string> {
    return this.#virtualServers.keys();
  }

  entryKeys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  addresses(): IterableIterator<string> {
    return this.#addresses.keys();
  }

  nonEmptySets(): Set<string> {
    return new Set(this.#setSizes.keys());
  }

  /** Every port's no-node-access entries, by port name. */
  noNodeAccess(): NoNodeAccess[] {
    return [...this.#noNodeAccess.keys()].sort().flatMap((name) => this.#noNodeAccess.get(name) ?? []);
  }

  get portCount(): number {
    return this.#ports.size;
  }
}
