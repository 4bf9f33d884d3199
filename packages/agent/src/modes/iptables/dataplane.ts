// The iptables dataplane: setup (backend, sysctls), apply (on full syncs the flush canaries
// and the jump rules, then one restore payload), observe, cleanup, and detectFlush. Every command goes through deps.exec, wrapped in
// `ip netns exec` when settings.netns names a namespace (--netns: tests, `kpx lab`). It
// counts its own restore failures and rule totals (deps.metrics), as upstream's proxier.
import { isKpxError } from '../../errors.ts';
import type { IPFamily, ServicePortName } from '../../model/types.ts';
import { detectIptablesBackend, iptablesTools, type IptablesBackendChoice, type IptablesTools } from '../../netfilter/backend-detect.ts';
import type { ChainRemoval } from '../../netfilter/chain-removal.ts';
import { canaryRestoreText, findFlushedTables } from '../../netfilter/flush-canary.ts';
import { ensureJumpRules } from '../../netfilter/jump-rules.ts';
import { composeRestorePayload, runRestore } from '../../netfilter/restore.ts';
import { setUpSysctls } from '../../netfilter/sysctls.ts';
import type { Exec } from '../../sys/exec.ts';
import { execInNetns } from '../../sys/netns.ts';
import { execSysctl, procSysctl, type Sysctl } from '../../sys/sysctl.ts';
import type { ApplyReport, Dataplane, DataplaneDeps, DataplaneSettings, FlushDetection, Observed } from '../mode.ts';
import { cleanupKpxRules } from './cleanup.ts';
import { rememberOwnedChains } from './kpx-chains.ts';
import { surveyForFullSync } from './full-sync-survey.ts';
import { observeKpxRules } from './observe.ts';
import type { IptablesPlan, IptablesTable } from './plan-types.ts';

/** The iptables mode's own options: none come from the configuration; tests set them. */
export interface IptablesModeOptions {
  /** `auto` detects as kube-proxy's image does (default). */
  readonly backend?: IptablesBackendChoice;
  /** Where sysctls are read and written; default /proc/sys, or the `sysctl` tool inside the netns. */
  readonly sysctl?: Sysctl;
  readonly restoreTimeoutMs?: number;
}

const RULE_FIGURES: ReadonlyArray<readonly [IptablesTable, string]> = [
  ['nat', 'natRules'],
  ['filter', 'filterRules'],
];

interface State {
  tools: IptablesTools | undefined;
  /** The chains a plan applied by this instance declared as kpx's that isKpxChain does not know by name: observe shows them too. */
  readonly ownedSeen: Set<string>;
  /** Rules per table after the last full sync: a partial plan holds only those it rewrites. */
  readonly ruleTotals: Map<IptablesTable, number>;
}

export function openIptablesDataplane(deps: DataplaneDeps, settings: DataplaneSettings<IptablesModeOptions>): Dataplane<IptablesPlan> {
  const { netns, ipFamily, options } = settings;
  const exec: Exec = netns === '' ? deps.exec : execInNetns(deps.exec, netns);
  const sysctl = options.sysctl ?? (netns === '' ? procSysctl() : execSysctl(exec));
  const log = deps.log.child({ mode: 'iptables', ipFamily, ...(netns === '' ? {} : { netns }) });
  const state: State = { tools: undefined, ownedSeen: new Set(), ruleTotals: new Map() };

  async function toolsFor(family: IPFamily): Promise<IptablesTools> {
    if (state.tools === undefined) {
      const decision = await detectIptablesBackend(exec, options.backend ?? 'auto');
      log.info({ backend: decision.backend, reason: decision.reason }, 'iptables backend chosen');
      state.tools = iptablesTools(decision.backend, ipFamily);
    }
    return family === ipFamily ? state.tools : iptablesTools(state.tools.backend, family);
  }

  async function apply(plan: IptablesPlan): Promise<ApplyReport> {
    const tools = await toolsFor(plan.ipFamily);
    for (const chains of Object.values(plan.ownedChains)) rememberOwnedChains(state.ownedSeen, chains);
    // Tool time is the sum of what every command took; the rest of the sync is kpx's own.
    let toolMs = 0;
    const timedExec: Exec = async (request) => {
      const result = await exec(request);
      toolMs += result.durationMs;
      return result;
    };
    const restore = async (payload: string): Promise<number> => {
      try {
        return await runRestore(timedExec, tools, payload, options.restoreTimeoutMs);
      } catch (error) {
        if (isKpxError(error, 'KPX_ERR_RESTORE')) deps.metrics?.countRestoreFailure({ partial: !plan.full });
        throw error;
      }
    };
    // The canaries first: a flush from here on is seen by the next detectFlush.
    if (plan.full) await restore(canaryRestoreText());
    const survey = plan.full ? await surveyForFullSync(timedExec, tools, plan) : undefined;
    const removals = survey?.removals ?? new Map<string, ChainRemoval>();
    const payload = composeRestorePayload(plan.restoreText, removals);
    // Jump rules first, as upstream: their chains are created empty if need be, and the restore fills them.
    const jumpRulesAdded = survey === undefined ? 0 : await ensureJumpRules(timedExec, tools, plan.jumpRules, survey);
    const restoreMs = await restore(payload);
    countRules(plan);
    let staleChainsDeleted = 0;
    for (const [table, removal] of removals) {
      staleChainsDeleted += removal.chains.length;
      for (const kept of removal.keptChains) log.warn({ table, ...kept }, 'stale chain kept: another chain jumps to it');
    }
    return { full: plan.full, toolMs, figures: { ...plan.figures, restoreMs, staleChainsDeleted, jumpRulesAdded } };
  }

  function countRules(plan: IptablesPlan): void {
    for (const [table, figure] of RULE_FIGURES) {
      const written = plan.figures[figure];
      if (written === undefined) continue;
      if (plan.full) state.ruleTotals.set(table, written);
      deps.metrics?.setIptablesRules(table, { total: state.ruleTotals.get(table) ?? 0, lastSync: written });
    }
  }

  return {
    async setup() {
      await toolsFor(ipFamily);
      await setUpSysctls(sysctl, { ipFamily, localhostNodePorts: settings.localhostNodePorts, nodePortAddresses: settings.nodePortAddresses }, log);
    },
    apply,
    async observe(servicePortName?: ServicePortName): Promise<Observed> {
      return { text: await observeKpxRules(exec, await toolsFor(ipFamily), servicePortName, state.ownedSeen) };
    },
    async cleanup() {
      const report = await cleanupKpxRules(exec, await toolsFor(ipFamily));
      for (const kept of report.keptChains) log.warn(kept, 'kpx chain kept: another chain jumps to it');
      log.info({ chainsRemoved: report.chainsRemoved, jumpRulesRemoved: report.jumpRulesRemoved }, 'iptables rules cleaned up');
    },
    async close() {
      state.tools = undefined;
    },
    async detectFlush(): Promise<FlushDetection | undefined> {
      const lost = await findFlushedTables(exec, await toolsFor(ipFamily));
      return lost.length === 0 ? undefined : { lost };
    },
  };
}
