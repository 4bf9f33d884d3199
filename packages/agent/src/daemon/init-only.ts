// `kpx run --init-only`: the start-up steps that need full root (a privileged init container),
// so that the long-running container keeps only NET_ADMIN and NET_RAW. As upstream's
// newProxyServer(initOnly): the conntrack settings (setupConntrack), then what the mode's
// proxier sets before it would start (iptables: route_localnet for localhost NodePorts; ipvs:
// its sysctls), plus the kernel modules the mode needs (modprobe: upstream leaves that to the
// node, kpx's ipvs overlay needed a shell script for it). No API server is contacted: the
// family is IPv4 (the iptables proxier always has an IPv4 half; route_localnet is IPv4-only)
// and a `primary` nodePortAddresses never covers loopback. The main container then finds each
// value set and writes nothing (ensureSysctl writes only a value that differs).
import { availableParallelism } from 'node:os';
import type { ResolvedConfig } from '../config/resolve-config.ts';
import type { Logger } from '../log.ts';
import { newNodePortAddresses } from '../model/node-port-addresses.ts';
import { ipvsSysctls } from '../modes/ipvs/setup.ts';
import { effectiveScheduler, ipvsOptionsFromConfig } from '../modes/ipvs/options.ts';
import type { AnyMode } from '../modes/mode.ts';
import { checkBridgeNetfilter, SYSCTL_ROUTE_LOCALNET } from '../netfilter/sysctls.ts';
import type { Exec } from '../sys/exec.ts';
import { execInNetns } from '../sys/netns.ts';
import { ensureSysctl, execSysctl, procSysctl, type Sysctl } from '../sys/sysctl.ts';
import { applyConntrackSysctls, conntrackSysctls, ensureConntrackHashsize, type SysctlSetting } from './conntrack-sysctls.ts';
import { EXIT } from '../exit-codes.ts';

export interface InitPlan {
  readonly conntrack: readonly SysctlSetting[];
  /** The mode's own settings, in upstream's order. */
  readonly mode: readonly SysctlSetting[];
  readonly modules: readonly string[];
}

/** Pure: what --init-only does for this configuration and mode. */
export function planInitOnly(resolved: ResolvedConfig, modeName: AnyMode['name'], cpus: number): InitPlan {
  const { config, options } = resolved;
  const conntrack = conntrackSysctls(config.conntrack, cpus, { includeGlobal: options.netns === '' });
  const mode: SysctlSetting[] = [];
  let modules: string[] = [];
  if (modeName === 'iptables' && config.iptables.localhostNodePorts && servesIPv4Loopback(config.nodePortAddresses)) {
    mode.push({ key: SYSCTL_ROUTE_LOCALNET, value: '1' });
  }
  if (modeName === 'ipvs') {
    const ipvs = ipvsOptionsFromConfig(config);
    mode.push(...ipvsSysctls(ipvs).map(([key, value]) => ({ key, value })));
    modules = [...new Set(['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh', `ip_vs_${effectiveScheduler(ipvs)}`, 'nf_conntrack'])];
  }
  return { conntrack, mode, modules };
}

function servesIPv4Loopback(entries: readonly string[]): boolean {
  const cidrs = entries.filter((entry) => entry !== 'primary');
  if (entries.length > 0 && cidrs.length === 0) return false;
  return newNodePortAddresses('IPv4', cidrs, undefined).containsIPv4Loopback;
}

export interface InitDeps {
  readonly exec: Exec;
  readonly log: Logger;
  /** Where the sysctls are read and written; default /proc/sys (or `sysctl` inside --netns). */
  readonly sysctl?: Sysctl;
  readonly hashsizePath?: string;
}

/** Runs the plan; exit 0 when every setting holds, 3 when one could not be set. */
export async function runInitOnly(resolved: ResolvedConfig, mode: AnyMode, deps: InitDeps): Promise<number> {
  const { options } = resolved;
  const { log } = deps;
  const plan = planInitOnly(resolved, mode.name, availableParallelism());
  const sysctl = deps.sysctl ?? (options.netns === '' ? procSysctl() : execSysctl(execInNetns(deps.exec, options.netns)));
  for (const module of plan.modules) {
    const result = await deps.exec({ file: 'modprobe', args: [module] }).catch((error: unknown) => ({ exitCode: -1, stderr: String(error) }));
    if (result.exitCode !== 0) log.warn({ module, stderr: result.stderr.trim().slice(0, 500) }, 'kernel module not loaded (it may be built in)');
    else log.info({ module }, 'kernel module loaded');
  }
  let failures = await applyConntrackSysctls(sysctl, plan.conntrack, log);
  const max = plan.conntrack.find((setting) => setting.key === 'net.netfilter.nf_conntrack_max');
  if (max !== undefined && !(await ensureConntrackHashsize(Number(max.value), log, deps.hashsizePath))) failures += 1;
  for (const setting of plan.mode) {
    try {
      await ensureSysctl(sysctl, setting.key, setting.value, log);
    } catch (error) {
      failures += 1;
      log.error({ err: error, sysctl: setting.key, value: setting.value }, 'sysctl not set');
    }
  }
  if (mode.name === 'iptables' || mode.name === 'ipvs') await checkBridgeNetfilter(sysctl, log).catch(() => undefined);
  if (failures > 0) {
    log.error({ failures }, 'initialization incomplete');
    return EXIT.runtimeFailure;
  }
  log.info(
    { mode: mode.name, sysctls: plan.conntrack.length + plan.mode.length, modules: plan.modules.length },
    'System initialized and --init-only specified',
  );
  return EXIT.ok;
}
