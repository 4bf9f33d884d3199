// `ipset save` output → kpx's sets and their entries; `ipset restore` lines.
import type { IPFamily } from '../../model/types.ts';
import { IPSETS, ipsetCreateOptions, kernelSetName, type IpsetInfo } from './kernel-names.ts';

/** kpx name → entries, for the kpx sets present in the kernel (other sets are not kpx's). */
export type ObservedSets = Map<string, Set<string>>;

function kpxNamesByKernelName(family: IPFamily): Map<string, IpsetInfo> {
  return new Map(IPSETS.map((info) => [kernelSetName(info.name, family), info]));
}

/**
 * ipset prints a hash:net entry of a single host without its prefix length; kpx writes
 * entries the way ipset prints them so that desired and observed compare as strings.
 */
export function canonicalEntry(entry: string): string {
  return entry.replace(/\/(32|128)$/, (suffix, bits: string) => {
    const last =
      entry
        .slice(0, entry.length - suffix.length)
        .split(',')
        .pop() ?? '';
    return (bits === '32') === !last.includes(':') ? '' : suffix;
  });
}

/** Pure: `ipset save` output → the kpx sets of `family` and their entries. */
export function parseIpsetSave(text: string, family: IPFamily): ObservedSets {
  const byKernelName = kpxNamesByKernelName(family);
  const sets: ObservedSets = new Map();
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    const info = byKernelName.get(tokens[1] ?? '');
    if (info === undefined) continue;
    if (tokens[0] === 'create') {
      if (!sets.has(info.name)) sets.set(info.name, new Set());
    } else if (tokens[0] === 'add' && tokens[2] !== undefined) {
      let entries = sets.get(info.name);
      if (entries === undefined) sets.set(info.name, (entries = new Set()));
      entries.add(tokens[2]);
    }
  }
  return sets;
}

export function createSetLine(info: IpsetInfo, family: IPFamily): string {
  return `create ${kernelSetName(info.name, family)} ${info.type} ${ipsetCreateOptions(info.type, family)}`;
}

export function addEntryLine(set: string, entry: string, family: IPFamily): string {
  return `add ${kernelSetName(set, family)} ${entry}`;
}

export function deleteEntryLine(set: string, entry: string, family: IPFamily): string {
  return `del ${kernelSetName(set, family)} ${entry}`;
}
