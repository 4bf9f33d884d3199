// Every mode kpx knows, by the name `--mode` / `--proxy-mode` takes. A static map: adding a
// mode is one import and one line here.
import type { Mode, ModeName } from './mode.ts';
import { iptablesMode } from './iptables/index.ts';
import { ipvsMode } from './ipvs/index.ts';

const MODES: ReadonlyMap<string, Mode<unknown>> = new Map<string, Mode<unknown>>([
  ['iptables', iptablesMode as Mode<unknown>],
  ['ipvs', ipvsMode as Mode<unknown>],
]);

/** Modes that are planned but not implemented yet, with the issue that brings each. */
export const PLANNED_MODES: ReadonlyMap<ModeName, { readonly issue: number }> = new Map([
  ['userspace', { issue: 6 }],
]);

export function findMode(name: string): Mode<unknown> | undefined {
  return MODES.get(name);
}

/** Names of the modes that can be used now, sorted. */
export function availableModeNames(): string[] {
  return [...MODES.keys()].sort();
}

/** Why `name` cannot be used: planned for a later issue, or not a mode at all. */
export function describeUnavailableMode(name: string): string {
  const planned = PLANNED_MODES.get(name as ModeName);
  if (planned !== undefined) return `mode "${name}" is not implemented yet (it comes with issue ${planned.issue})`;
  return `unknown mode "${name}" (available: ${availableModeNames().join(', ')})`;
}
