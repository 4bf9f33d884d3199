// The mode and dataplane the daemon runs, configured from KubeProxyConfiguration. Mode.open
// takes only the shared deps, so what a mode needs from the configuration (the network
// namespace, node-port addresses, the ipvs section) is passed here, per mode.
import type { KubeProxyConfig } from '../config/kube-proxy-config.ts';
import { KpxError } from '../errors.ts';
import type { IPFamily } from '../model/types.ts';
import type { Dataplane, DataplaneDeps, Mode } from '../modes/mode.ts';
import { openIptablesDataplane } from '../modes/iptables/dataplane.ts';
import { openIpvsDataplane } from '../modes/ipvs/dataplane.ts';
import { openNftablesDataplane } from '../modes/nftables/dataplane.ts';
import { ipvsOptionsFromConfig, userspaceOptionsFromConfig, type ModeOptions } from '../modes/configure-mode.ts';
import { openRemoteUserspaceDataplane, spawnNetnsAgent } from '../modes/userspace/remote-dataplane.ts';

export interface DataplaneSettings {
  /** '' programs the host; else the named network namespace (--netns). */
  readonly netns: string;
  readonly ipFamily: IPFamily;
  readonly localhostNodePorts: boolean;
  readonly nodePortAddresses: readonly string[];
  /** The kpx-only mode options, for the userspace netns agent (on the host the configured mode has them). */
  readonly modeOptions?: ModeOptions;
}

export function openDataplane(mode: Mode<unknown>, deps: DataplaneDeps, config: KubeProxyConfig, settings: DataplaneSettings): Dataplane<unknown> {
  const netns = settings.netns === '' ? {} : { netns: settings.netns };
  switch (mode.name) {
    case 'iptables':
      return openIptablesDataplane(deps, {
        ...netns,
        ipFamily: settings.ipFamily,
        localhostNodePorts: settings.localhostNodePorts,
        nodePortAddresses: settings.nodePortAddresses,
      }) as Dataplane<unknown>;
    case 'ipvs':
      return openIpvsDataplane(deps, { ...ipvsOptionsFromConfig(config), ...netns, ipFamily: settings.ipFamily }) as Dataplane<unknown>;
    case 'nftables':
      return openNftablesDataplane(deps, { ...netns, ipFamily: settings.ipFamily, tableName: settings.modeOptions?.serviceProxyName || undefined }) as Dataplane<unknown>;
    case 'userspace':
      // The sockets must live in the namespace, the daemon on the host: a child agent there
      // runs the dataplane, and stops with the daemon (its listeners cannot outlive it).
      if (settings.netns === '') return mode.open(deps);
      return openRemoteUserspaceDataplane({ log: deps.log, spawnAgent: () => spawnNetnsAgent(settings.netns, userspaceOptionsFromConfig(config, settings.modeOptions)) }) as Dataplane<unknown>;
    default:
      if (settings.netns !== '') {
        throw new KpxError('KPX_ERR_UNSUPPORTED', `--netns is not supported by the ${mode.name} mode yet`, { context: { mode: mode.name } });
      }
      return mode.open(deps);
  }
}
