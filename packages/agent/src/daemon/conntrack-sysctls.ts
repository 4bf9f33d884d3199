// The conntrack settings kube-proxy applies at start-up (cmd/kube-proxy/app/server_linux.go
// setupConntrack): nf_conntrack_max = max(maxPerCore × CPUs, min) when maxPerCore > 0, and
// each timeout / be_liberal only when configured. nf_conntrack_max is global (read-only
// outside the initial network namespace), so under --netns only the per-namespace settings
// are applied.
import { readFile, writeFile } from 'node:fs/promises';
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
  if (conntrack.tcpEstablishedTimeoutMs > 0)
    settings.push({ key: 'net.netfilter.nf_conntrack_tcp_timeout_established', value: seconds(conntrack.tcpEstablishedTimeoutMs) });
  if (conntrack.tcpCloseWaitTimeoutMs > 0)
    settings.push({ key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait', value: seconds(conntrack.tcpCloseWaitTimeoutMs) });
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

export const CONNTRACK_HASHSIZE_PATH = '/sys/module/nf_conntrack/parameters/hashsize';

/**
 * Upstream's realConntracker.SetMax, second half: raise the conntrack hash table to max/4
 * buckets when it is smaller (the file is writable only from the initial network namespace).
 * A read-only /sys (upstream's errReadOnlySysFS, a known container-runtime issue) is a warning;
 * false only for another failure.
 */
export async function ensureConntrackHashsize(max: number, log: Logger, path = CONNTRACK_HASHSIZE_PATH): Promise<boolean> {
  const wanted = Math.floor(max / 4);
  try {
    const current = Number((await readFile(path, 'utf8')).trim());
    if (current >= wanted) {
      log.debug({ conntrackHashsize: current }, 'conntrack hashsize already large enough');
      return true;
    }
    log.info({ conntrackHashsize: wanted }, 'Setting conntrack hashsize');
    await writeFile(path, `${wanted}\n`);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'ENOENT') {
      log.warn({ err: error, path }, 'cannot modify conntrack limits, problems may arise later: /sys is read-only or nf_conntrack not loaded');
      return true;
    }
    log.error({ err: error, path }, 'conntrack hashsize not set');
    return false;
  }
}
