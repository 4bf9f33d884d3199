// Opens the dataplane of a mode with the daemon's options. Mode.open takes only the shared
// deps, so options a mode needs from the configuration (the network namespace, node-port
// addresses) are passed here, per mode.
import { KpxError } from '../errors.ts';
import type { Dataplane, DataplaneDeps, Mode } from '../modes/mode.ts';
import { openIptablesDataplane } from '../modes/iptables/dataplane.ts';
import type { IPFamily } from '../model/types.ts';

export interface DataplaneSettings {
  /** '' programs the host; else the named network namespace (--netns). */
  readonly netns: string;
  readonly ipFamily: IPFamily;
  readonly localhostNodePorts: boolean;
  readonly nodePortAddresses: readonly string[];
}

export function openDataplane(mode: Mode<unknown>, deps: DataplaneDeps, settings: DataplaneSettings): Dataplane<unknown> {
  if (mode.name === 'iptables') {
    return openIptablesDataplane(deps, {
      ...(settings.netns === '' ? {} : { netns: settings.netns }),
      ipFamily: settings.ipFamily,
      localhostNodePorts: settings.localhostNodePorts,
      nodePortAddresses: settings.nodePortAddresses,
    }) as Dataplane<unknown>;
  }
  if (settings.netns !== '') {
    throw new KpxError('KPX_ERR_UNSUPPORTED', `--netns is not supported by the ${mode.name} mode yet`, { context: { mode: mode.name } });
  }
  return mode.open(deps);
}
