// The iptables dataplane: setup (backend, sysctls), apply (on full syncs the jump rules, then
// one restore payload), observe, cleanup. Every command goes through deps.exec, wrapped in
// `ip netns exec` when options.netns names a namespace (tests, `kpx lab`).
import type { IPFamily, ServicePortName } from '../../model/types.ts';
import type { Exec } from '../../sys/exec.ts';
import { execInNetns } from '../../sys/netns.ts';
import { execSysctl, procSysctl, type Sysctl } from '../../sys/sysctl.ts';
import type { ApplyReport, Dataplane, DataplaneDeps, Observed } from '../mode.ts';
import { composeRestorePayload, runRestore } from '../../netfilter/restore.ts';
import type { ChainRemoval } from '../../netfilter/chain-removal.ts';
import { detectIptablesBackend, iptablesTools, type IptablesBackendChoice, type IptablesTools } from '../../netfilter/backend-detect.ts';
import { cleanupKpxRules } from './cleanup.ts';
import { surveyForFullSync } from './full-sync-survey.ts';
import { ensureJumpRules } from '../../netfilter/jump-rules.ts';
import { observeKpxRules } from './observe.ts';
import type { IptablesPlan } from './plan-types.ts';
import { setUpSysctls } from '../../netfilter/sysctls.ts';

/** What the iptables dataplane needs beyond DataplaneDeps. Every field has kube-proxy's default. */
export interface IptablesDataplaneOptions {
  /** Run every command inside this network namespace. */
  readonly netns?: string;
  /** `auto` detects as kube-proxy's image does (default). */
  readonly backend?: IptablesBackendChoice;
  /** The family this instance programs (iptables or ip6tables); default IPv4. */
  readonly ipFamily?: IPFamily;
  /** kube-proxy's --iptables-localhost-nodeports (default true). */
  readonly localhostNodePorts?: boolean;
  /** kube-proxy's --nodeport-addresses (default: all local addresses). */
  readonly nodePortAddresses?: readonly string[];
  /** Where sysctls are read and written; default /proc/sys, or the `sysctl` tool inside `netns`. */
  readonly sysctl?: Sysctl;
  readonly restoreTimeoutMs?: number;
}

interface State {
  tools: IptablesTools | undefined;
  /** Every chain a plan applied by this instance declared as kpx's: observe shows them too. */
  readonly ownedSeen: Set<string>;
}

export function openIptablesDataplane<Plan extends IptablesPlan = IptablesPlan>(
  deps: DataplaneDeps,
  options: IptablesDataplaneOptions = {},
): Dataplane<Plan> {
  const exec: Exec = options.netns === undefined ? deps.exec : execInNetns(deps.exec, options.netns);
  const sysctl = options.sysctl ?? (options.netns === undefined ? procSysctl() : execSysctl(exec));
  const ipFamily = options.ipFamily ?? 'IPv4';
  const log = deps.log.child({ mode: 'iptables', ipFamily, ...(options.netns === undefined ? {} : { netns: options.netns }) });
  const state: State = { tools: undefined, ownedSeen: new Set() };

  async function toolsFor(family: IPFamily): Promise<IptablesTools> {
    if (state.tools === undefined) {
      const decision = await detectIptablesBackend(exec, options.backend ?? 'auto');
      log.info({ backend: decision.backend, reason: decision.reason }, 'iptables backend chosen');
      state.tools = iptablesTools(decision.backend, ipFamily);
    }
    return family === ipFamily ? state.tools : iptablesTools(state.tools.backend, family);
  }

  async function apply(plan: Plan): Promise<ApplyReport> {
    const tools = await toolsFor(plan.ipFamily);
    for (const chains of Object.values(plan.ownedChains)) for (const chain of chains) state.ownedSeen.add(chain);
    // Tool time is the sum of what every command took; the rest of the sync is kpx's own.
    let toolMs = 0;
    const timedExec: Exec = async (request) => {
      const result = await exec(request);
      toolMs += result.durationMs;
      return result;
    };
    const survey = plan.full ? await surveyForFullSync(timedExec, tools, plan) : undefined;
    const removals = survey?.removals ?? new Map<string, ChainRemoval>();
    const payload = composeRestorePayload(plan.restoreText, removals);
    // Jump rules first, as upstream: their chains are created empty if need be, and the restore fills them.
    const jumpRulesAdded = survey === undefined ? 0 : await ensureJumpRules(timedExec, tools, plan.jumpRules, survey);
    const restoreMs = await runRestore(timedExec, tools, payload, options.restoreTimeoutMs);
    let staleChainsDeleted = 0;
    for (const [table, removal] of removals) {
      staleChainsDeleted += removal.chains.length;
      for (const kept of removal.keptChains) log.warn({ table, ...kept }, 'stale chain kept: another chain jumps to it');
    }
    return { full: plan.full, toolMs, figures: { ...plan.figures, restoreMs, staleChainsDeleted, jumpRulesAdded } };
  }

  return {
    async setup() {
      await toolsFor(ipFamily);
      await setUpSysctls(
        sysctl,
        { ipFamily, localhostNodePorts: options.localhostNodePorts ?? true, nodePortAddresses: options.nodePortAddresses ?? [] },
        log,
      );
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
  };
}
