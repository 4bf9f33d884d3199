// Pure: the smallest batch that takes the kernel from `observed` to what DesiredIndex wants,
// over every key (full sync) or only the keys a partial plan touched. Real servers that
// leave drain (graceful-termination.ts); virtual servers kpx does not own are left alone.
import type { IPFamily } from '../../model/types.ts';
import { addAddressLine, deleteAddressLine } from './address-text.ts';
import { splitEntryKey, type DesiredIndex, type Touched } from './desired-index.ts';
import { drainKey, drainsGracefully } from './graceful-termination.ts';
import { addEntryLine, createSetLine, deleteEntryLine } from './ipset-text.ts';
import {
  addServiceLine,
  deleteRealServerLine,
  deleteServiceLine,
  editServiceLine,
  hostPort,
  realServerLine,
  type ParsedVirtualServer,
} from './ipvsadm-text.ts';
import { IPSETS } from './kernel-names.ts';
import { ownsVirtualServer, type KernelState, type Ownership } from './kernel-state.ts';
import type { PlannedVirtualServer, RealServer, VirtualServer } from './plan-types.ts';

export interface DiffInput {
  readonly desired: DesiredIndex;
  readonly observed: KernelState;
  /** 'all' on a full sync; otherwise only these keys are compared. */
  readonly scope: Touched | 'all';
  readonly ownership: Ownership;
  readonly draining: ReadonlyMap<string, number>;
}

export interface RemovedRealServer {
  readonly service: VirtualServer;
  readonly address: string;
  readonly port: number;
}

export interface IpvsBatch {
  /** `ipvsadm -R` input lines: adds and edits first, deletions last. */
  readonly ipvsLines: string[];
  /** `ipset restore -exist` input lines. */
  readonly ipsetLines: string[];
  /** `ip -batch` lines adding addresses to kube-ipvs0 (before IPVS) and deleting them (after). */
  readonly addressAdds: string[];
  readonly addressDeletes: string[];
  /** Real servers set to weight 0 now (drain keys), and draining ones wanted again. */
  readonly drainStarted: string[];
  readonly drainStopped: string[];
  /** UDP/SCTP real servers deleted at once: their conntrack entries must go. */
  readonly removedAtOnce: RemovedRealServer[];
  /** Virtual servers deleted whole. */
  readonly removedServices: VirtualServer[];
}

function sameScheduling(a: VirtualServer, b: VirtualServer): boolean {
  return a.scheduler === b.scheduler && a.persistentSeconds === b.persistentSeconds && a.schedulerFlags === b.schedulerFlags;
}

export function diffKernel(input: DiffInput): IpvsBatch {
  const batch: IpvsBatch = {
    ipvsLines: [],
    ipsetLines: [],
    addressAdds: [],
    addressDeletes: [],
    drainStarted: [],
    drainStopped: [],
    removedAtOnce: [],
    removedServices: [],
  };
  diffVirtualServers(input, batch);
  diffSets(input, batch);
  diffAddresses(input, batch);
  return batch;
}

function virtualServerKeys(input: DiffInput): string[] {
  if (input.scope !== 'all') return [...input.scope.virtualServers].sort();
  return [...new Set([...input.desired.virtualServerKeys(), ...input.observed.virtualServers.keys()])].sort();
}

function diffVirtualServers(input: DiffInput, batch: IpvsBatch): void {
  const additions: string[] = [];
  const deletions: string[] = [];
  for (const key of virtualServerKeys(input)) {
    const wanted = input.desired.virtualServer(key);
    const found = input.observed.virtualServers.get(key);
    if (wanted === undefined) {
      if (found === undefined || !ownsVirtualServer(input.observed, found.service, input.ownership)) continue;
      deletions.push(deleteServiceLine(found.service));
      batch.removedServices.push(found.service);
      continue;
    }
    if (found === undefined) {
      additions.push(addServiceLine(wanted));
      for (const real of wanted.realServers) additions.push(realServerLine('-a', wanted, real));
      continue;
    }
    if (!sameScheduling(wanted, found.service)) additions.push(editServiceLine(wanted));
    diffRealServers(key, wanted, found, input.draining, batch, additions, deletions);
  }
  batch.ipvsLines.push(...additions, ...deletions);
}

function diffRealServers(
  key: string,
  wanted: PlannedVirtualServer,
  found: ParsedVirtualServer,
  draining: ReadonlyMap<string, number>,
  batch: IpvsBatch,
  additions: string[],
  deletions: string[],
): void {
  const present = new Map<string, RealServer>(found.reals.map((real) => [hostPort(real.address, real.port), real]));
  const wantedKeys = new Set<string>();
  for (const real of wanted.realServers) {
    const realKey = hostPort(real.address, real.port);
    wantedKeys.add(realKey);
    const existing = present.get(realKey);
    if (existing === undefined) additions.push(realServerLine('-a', wanted, real));
    else if (existing.weight !== real.weight) additions.push(realServerLine('-e', wanted, real));
    if (draining.has(drainKey(key, realKey))) batch.drainStopped.push(drainKey(key, realKey));
  }
  for (const [realKey, real] of present) {
    if (wantedKeys.has(realKey)) continue;
    if (!drainsGracefully(wanted.protocol)) {
      deletions.push(deleteRealServerLine(wanted, real));
      batch.removedAtOnce.push({ service: wanted, address: real.address, port: real.port });
      continue;
    }
    if (real.weight !== 0) additions.push(realServerLine('-e', wanted, { ...real, weight: 0 }));
    if (!draining.has(drainKey(key, realKey))) batch.drainStarted.push(drainKey(key, realKey));
  }
}

function diffSets(input: DiffInput, batch: IpvsBatch): void {
  const family: IPFamily = input.ownership.family;
  const { observed, desired } = input;
  const adds: string[] = [];
  const deletes: string[] = [];
  const observedHas = (key: string): boolean => {
    const { set, entry } = splitEntryKey(key);
    return observed.sets.get(set)?.has(entry) === true;
  };
  let keys: Iterable<string>;
  if (input.scope === 'all') {
    for (const info of IPSETS) if (!observed.sets.has(info.name)) batch.ipsetLines.push(createSetLine(info, family));
    const all = new Set(desired.entryKeys());
    for (const [set, entries] of observed.sets) for (const entry of entries) all.add(`${set} ${entry}`);
    keys = all;
  } else {
    keys = input.scope.entries;
  }
  for (const key of [...keys].sort()) {
    const { set, entry } = splitEntryKey(key);
    const wanted = desired.hasEntry(key);
    const present = observedHas(key);
    if (wanted && !present) adds.push(addEntryLine(set, entry, family));
    else if (!wanted && present) deletes.push(deleteEntryLine(set, entry, family));
  }
  batch.ipsetLines.push(...adds, ...deletes);
}

function diffAddresses(input: DiffInput, batch: IpvsBatch): void {
  const keys = input.scope === 'all' ? new Set([...input.desired.addresses(), ...input.observed.addresses]) : input.scope.addresses;
  for (const address of [...keys].sort()) {
    const wanted = input.desired.hasAddress(address);
    const present = input.observed.addresses.has(address);
    if (wanted && !present) batch.addressAdds.push(addAddressLine(address));
    else if (!wanted && present) batch.addressDeletes.push(deleteAddressLine(address));
  }
}
