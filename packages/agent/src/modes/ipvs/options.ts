// What the IPVS mode takes beyond DesiredState: kube-proxy's `ipvs` configuration section.
import type { KubeProxyConfig } from '../../config/kube-proxy-config.ts';

/** Every scheduler the IPVS of a stock kernel ships (ip_vs_<name> modules). */
export const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export type IpvsScheduler = (typeof IPVS_SCHEDULERS)[number];

export interface IpvsOptions {
  /** --ipvs-scheduler; '' or undefined means rr, as upstream. */
  readonly scheduler?: IpvsScheduler | '';
  /** --ipvs-strict-arp: arp_ignore=1, arp_announce=2. */
  readonly strictARP?: boolean;
  /** --ipvs-exclude-cidrs: virtual servers in these are never deleted by kpx. */
  readonly excludeCIDRs?: readonly string[];
  /** --ipvs-tcp-timeout / --ipvs-tcpfin-timeout / --ipvs-udp-timeout; 0 leaves the kernel's. */
  readonly tcpTimeoutMs?: number;
  readonly tcpFinTimeoutMs?: number;
  readonly udpTimeoutMs?: number;
  /** How long a removed TCP real server may drain at weight 0 before it goes anyway (default 15 min). */
  readonly gracefulTerminationTimeoutMs?: number;
}

export const DEFAULT_SCHEDULER: IpvsScheduler = 'rr';
export const DEFAULT_GRACEFUL_TERMINATION_TIMEOUT_MS = 15 * 60_000;

export function effectiveScheduler(options: IpvsOptions): IpvsScheduler {
  return options.scheduler === undefined || options.scheduler === '' ? DEFAULT_SCHEDULER : options.scheduler;
}

/** Pure: kube-proxy's `ipvs` section as the IPVS mode takes it. */
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
