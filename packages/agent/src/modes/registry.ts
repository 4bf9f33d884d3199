// Every mode kpx knows, by the name `--mode` / `--proxy-mode` takes. A static map: adding a
// mode is one import and one line here.
import type { AnyMode, ModeName } from './mode.ts';
import { iptablesMode } from './iptables/index.ts';
import { ipvsMode } from './ipvs/index.ts';
import { userspaceMode } from './userspace/index.ts';
import { nftablesMode } from './nftables/index.ts';

const MODES: ReadonlyMap<string, AnyMode> = new Map<string, AnyMode>([
  ['iptables', iptablesMode],
  ['ipvs', ipvsMode],
  ['userspace', userspaceMode],
  ['nftables', nftablesMode],
]);

/** Modes the Mode interface is shaped for but that kpx does not implement yet. */
export const PLANNED_MODES: ReadonlySet<string> = new Set<ModeName>([]);

/** Every mode, in the registry's order (leftover cleanups run in it). */
export function allModes(): readonly AnyMode[] {
  return [...MODES.values()];
}

export function findMode(name: string): AnyMode | undefined {
  return MODES.get(name);
}

/** Names of the modes that can be used now, sorted. */
export function availableModeNames(): string[] {
  return [...MODES.keys()].sort();
}

/** Why `name` cannot be used: planned but not implemented, or not a mode at all. */
export function describeUnavailableMode(name: string): string {
  if (PLANNED_MODES.has(name)) return `mode "${name}" is not implemented yet (available: ${availableModeNames().join(', ')})`;
  return `unknown mode "${name}" (available: ${availableModeNames().join(', ')})`;
}
