// The conntrack settings kube-proxy applies at start-up (cmd/kube-proxy/app/server_linux.go
// setupConntrack): nf_conntrack_max = max(maxPerCore × CPUs, min) when maxPerCore > 0, and
// each timeout / be_liberal only when configured. nf_conntrack_max is global (read-only
// outside the initial network namespace), so under --netns only the per-namespace settings
// are applied.
import type { KubeProxyConfig } from '../config/kube-proxy-config.ts';
import type { Logger } from '../log.ts';
import { ensureSysctl, type Sysctl } from '../sys/sysctl.ts';

export const NF_CONNTRACK_MAX = 'net.netfilter.nf_conntrack_max';

export interface SysctlSetting {
  readonly key: string;
  readonly value: string;
}

/** Pure: the settings to ensure, in upstream's order. */
export function conntrackSysctls(conntrack: KubeProxyConfig['conntrack'], cpus: number, options: { readonly includeGlobal: boolean }): SysctlSetting[] {
  const settings: SysctlSetting[] = [];
  if (options.includeGlobal && conntrack.maxPerCore > 0) {
    settings.push({ key: NF_CONNTRACK_MAX, value: String(Math.max(conntrack.maxPerCore * cpus, conntrack.min)) });
  }
  const seconds = (ms: number): string => String(Math.floor(ms / 1000));
  if (conntrack.tcpEstablishedTimeoutMs > 0) settings.push({ key: 'net.netfilter.nf_conntrack_tcp_timeout_established', value: seconds(conntrack.tcpEstablishedTimeoutMs) });
  if (conntrack.tcpCloseWaitTimeoutMs > 0) settings.push({ key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait', value: seconds(conntrack.tcpCloseWaitTimeoutMs) });
  if (conntrack.tcpBeLiberal) settings.push({ key: 'net.netfilter.nf_conntrack_tcp_be_liberal', value: '1' });
  if (conntrack.udpTimeoutMs > 0) settings.push({ key: 'net.netfilter.nf_conntrack_udp_timeout', value: seconds(conntrack.udpTimeoutMs) });
  if (conntrack.udpStreamTimeoutMs > 0) settings.push({ key: 'net.netfilter.nf_conntrack_udp_timeout_stream', value: seconds(conntrack.udpStreamTimeoutMs) });
  return settings;
}

/** Ensures each setting; a failure is logged and the rest still applied (upstream logs and goes on for most). */
export async function applyConntrackSysctls(sysctl: Sysctl, settings: readonly SysctlSetting[], log: Logger): Promise<number> {
  let failures = 0;
  for (const setting of settings) {
    try {
      await ensureSysctl(sysctl, setting.key, setting.value, log);
    } catch (error) {
      failures += 1;
      log.error({ err: error, sysctl: setting.key, value: setting.value }, 'conntrack setting not applied');
    }
  }
  return failures;
}
