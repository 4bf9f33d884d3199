// Upstream's platformCleanup, over the registry's modes: at the start of `kpx run`, the
// leftovers of every mode that writes nothing the starting mode writes (starting nftables
// removes the iptables and ipvs state, starting iptables or ipvs the nftables tables, neither
// the other's: they share KUBE-SERVICES and its kin; the userspace mode shares nothing); for
// `kpx run --cleanup`, every mode's. Beside kube-proxy (--service-proxy-name set) nothing goes
// at start, and --cleanup removes only what is kpx's alone (and the chosen mode's state, as it
// always did). Each failure is logged and counted; none stops the start.
import type { ResolvedConfig } from '../config/resolve-config.ts';
import type { Logger } from '../log.ts';
import type { AnyMode, LeftoverReport } from '../modes/mode.ts';
import type { Exec } from '../sys/exec.ts';
import type { ProxyMetrics } from './metrics.ts';

export interface LeftoverCleanupInputs {
  readonly resolved: ResolvedConfig;
  readonly exec: Exec;
  readonly log: Logger;
  /** Absent for `kpx run --cleanup`: nothing is counted. */
  readonly metrics?: ProxyMetrics;
}

/** Pure: the modes whose leftovers go when `starting` starts. */
export function modesToCleanAtStart(starting: AnyMode, modes: readonly AnyMode[], serviceProxyName: string): AnyMode[] {
  if (serviceProxyName !== '') return [];
  const written = new Set(starting.writes);
  return modes.filter((mode) => mode !== starting && !mode.writes.some((kind) => written.has(kind)));
}

/** Pure: the modes `kpx run --cleanup` cleans. */
export function modesToCleanUp(chosen: AnyMode, modes: readonly AnyMode[], serviceProxyName: string): AnyMode[] {
  if (serviceProxyName === '') return [...modes];
  return modes.filter((mode) => mode === chosen || mode.hasStateApartFromKubeProxy);
}

/** Runs each mode's leftover cleanup in turn; resolves with the number of failed steps. */
export async function cleanUpLeftovers(modes: readonly AnyMode[], inputs: LeftoverCleanupInputs): Promise<number> {
  const { resolved, exec, metrics } = inputs;
  let failed = 0;
  for (const mode of modes) {
    const log = inputs.log.child({ leftoversOf: mode.name });
    let report: LeftoverReport;
    try {
      const deps = { exec, log, ...(metrics === undefined ? {} : { metricsFor: metrics.forDataplane }) };
      report = await mode.cleanupLeftovers(deps, { netns: resolved.options.netns, options: mode.optionsFromConfig(resolved.config, resolved.options) });
    } catch (error) {
      report = { removed: {}, failures: [{ step: 'cleanup', error }] };
    }
    for (const failure of report.failures) {
      log.warn({ step: failure.step, err: failure.error }, 'leftover cleanup step failed');
      metrics?.countLeftoverCleanupFailure(mode.name);
    }
    failed += report.failures.length;
    const removedAny = Object.values(report.removed).some((count) => count > 0);
    if (removedAny) log.info({ ...report.removed }, 'leftovers removed');
    else log.debug('no leftovers found');
  }
  return failed;
}
