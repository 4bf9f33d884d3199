// A registered mode configured from KubeProxyConfiguration, where the mode has options of
// its own (the ipvs section; the userspace mode's UDP idle timeout). `kpx render` and `kpx run` both go through here, so a
// rendered plan is the plan the daemon would apply.
import type { KpxOptions, KubeProxyConfig } from '../config/kube-proxy-config.ts';
import type { Mode } from './mode.ts';
import { createIpvsMode } from './ipvs/index.ts';
import type { IpvsOptions, IpvsScheduler } from './ipvs/options.ts';
import { createUserspaceMode } from './userspace/index.ts';
import { createNftablesMode } from './nftables/index.ts';
import type { NftablesModeOptions } from './nftables/plan-types.ts';
import type { AgentOptions } from './userspace/remote-dataplane.ts';

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

/** The kpx-only options a mode takes (from flags; KubeProxyConfiguration has no field for them). */
export type ModeOptions = Pick<KpxOptions, 'userspaceTcpIdleTimeoutMs'> & Partial<Pick<KpxOptions, 'serviceProxyName'>>;

const NO_MODE_OPTIONS: ModeOptions = { userspaceTcpIdleTimeoutMs: 0 };

/** What the userspace mode takes from the configuration (its dataplane options that survive JSON, for the netns agent). */
export function userspaceOptionsFromConfig(config: KubeProxyConfig, options: ModeOptions = NO_MODE_OPTIONS): AgentOptions {
  return { udpIdleTimeoutMs: config.udpIdleTimeoutMs, tcpIdleTimeoutMs: options.userspaceTcpIdleTimeoutMs };
}

/** What the nftables mode takes from the configuration: the table name (--service-proxy-name), tcp_be_liberal. */
export function nftablesOptionsFromConfig(config: KubeProxyConfig, serviceProxyName = ''): NftablesModeOptions {
  return { tableName: serviceProxyName, tcpBeLiberal: config.conntrack.tcpBeLiberal };
}

/** The registry's mode, or one configured from the file and flags where the mode has options. */
export function configureMode(registered: Mode<unknown>, config: KubeProxyConfig, options: ModeOptions = NO_MODE_OPTIONS): Mode<unknown> {
  if (registered.name === 'ipvs') return createIpvsMode(ipvsOptionsFromConfig(config)) as Mode<unknown>;
  if (registered.name === 'userspace') return createUserspaceMode(userspaceOptionsFromConfig(config, options)) as Mode<unknown>;
  if (registered.name === 'nftables') return createNftablesMode(nftablesOptionsFromConfig(config, options.serviceProxyName)) as Mode<unknown>;
  return registered;
}
