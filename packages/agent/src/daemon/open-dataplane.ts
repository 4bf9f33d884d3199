// The dataplane a command runs, through the mode's one door: the mode reads its own options
// from the configuration and flags, and every mode gets the same node settings. Nothing here
// knows which mode it opens.
import type { ResolvedConfig } from '../config/resolve-config.ts';
import type { AnyMode, Dataplane, DataplaneDeps, DataplaneSettings } from '../modes/mode.ts';

/** The settings every mode is opened with, its own options aside. */
export type NodeSettings = Omit<DataplaneSettings<unknown>, 'options'>;

export function openDataplane(mode: AnyMode, deps: DataplaneDeps, resolved: ResolvedConfig, settings: NodeSettings): Dataplane<unknown> {
  return mode.open(deps, { ...settings, options: mode.optionsFromConfig(resolved.config, resolved.options) });
}
