// The mode and dataplane the daemon runs, configured from KubeProxyConfiguration. Mode.open
// takes only the shared deps, so what a mode needs from the configuration (the network
// namespace, node-port addresses, the ipvs section) is passed here, per mode.
import type { KubeProxyConfig } from '../config/kube-proxy-config.ts';
import { KpxError } from '../errors.ts';
import type { IPFamily } from '../model/types.ts';
import type { Dataplane, DataplaneDeps, Mode } from '../modes/mode.ts';
import { openIptablesDataplane } from '../modes/iptables/dataplane.ts';
import { createIpvsMode } from '../modes/ipvs/index.ts';
import { openIpvsDataplane } from '../modes/ipvs/dataplane.ts';
import type { IpvsOptions, IpvsScheduler } from '../modes/ipvs/options.ts';

export interface DataplaneSettings {
  /** '' programs the host; else the named network namespace (--netns). */
  readonly netns: string;
  readonly ipFamily: IPFamily;
  readonly localhostNodePorts: boolean;
  readonly nodePortAddresses: readonly string[];
}

/** kube-proxy's `ipvs` section as the IPVS mode takes it. */
export function ipvsOptionsFromConfig(config: KubeProxyConfig): IpvsOptions {
  const { ipvs } = config;
  return {
    scheduler: ipvs.scheduler as IpvsScheduler | '',
    strictARP: ipvs.strictARP,
    excludeCIDRs: ipvs.excludeCIDRs,
    tcpTimeoutMs: ipvs.tcpTimeoutMs,
    tcpFinTimeoutMs: ipvs.tcpFinTimeoutMs,
    udpTimeoutMs: ipvs.udpTimeoutMs,
  };
}

/** The registry's mode, or one configured from the file and flags where the mode has options. */
export function configureMode(registered: Mode<unknown>, config: KubeProxyConfig): Mode<unknown> {
  return registered.name === 'ipvs' ? (createIpvsMode(ipvsOptionsFromConfig(config)) as Mode<unknown>) : registered;
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
    default:
      if (settings.netns !== '') {
        throw new KpxError('KPX_ERR_UNSUPPORTED', `--netns is not supported by the ${mode.name} mode yet`, { context: { mode: mode.name } });
      }
      return mode.open(deps);
  }
}
