// The IPVS dataplane. A full sync reads the kernel (ipvsadm-save, ipset save, kube-ipvs0),
// diffs it against every port and applies the difference; a partial sync diffs only the
// keys the changed ports touch against what kpx knows it wrote. Each part is one batch:
// `ip -batch` (addresses), `ipvsadm -R`, `ipset restore`, then iptables-restore only
// when the rendered iptables part changed (on full syncs after the flush canaries, which
// detectFlush checks). Commands go through deps.exec, wrapped in `ip netns exec` when
// settings.netns is set. A failed iptables-restore counts as upstream's IPVS proxier
// counts it (deps.metrics); nothing else does.
import { isKpxError } from '../../errors.ts';
import type { ServicePortName } from '../../model/types.ts';
import { clearEntriesForIP, clearEntriesForNAT } from '../../sys/conntrack-tool.ts';
import type { Exec } from '../../sys/exec.ts';
import { execInNetns } from '../../sys/netns.ts';
import { execSysctl, procSysctl, type Sysctl } from '../../sys/sysctl.ts';
import { runRestore } from '../../netfilter/restore.ts';
import { detectIptablesBackend, iptablesTools, type IptablesBackendChoice, type IptablesTools } from '../../netfilter/backend-detect.ts';
import { canaryRestoreText, findFlushedTables } from '../../netfilter/flush-canary.ts';
import { ensureJumpRules } from '../../netfilter/jump-rules.ts';
import type { ApplyReport, Dataplane, DataplaneDeps, DataplaneSettings, FlushDetection, Observed } from '../mode.ts';
import { advanceKernelState, forgetDrained } from './advance-state.ts';
import { runAddressBatch, runIpsetRestore, runIpvsadmRestore, readServiceConnections } from './apply.ts';
import { cleanupIpvs } from './cleanup.ts';
import { DesiredIndex, emptyTouched } from './desired-index.ts';
import { diffKernel, type DiffInput, type IpvsBatch } from './diff.ts';
import { decideDrained, splitDrainKey, type Draining } from './graceful-termination.ts';
import { deleteRealServerLine, parseConnectionCounts, serviceSpec, splitHostPort } from './ipvsadm-text.ts';
import type { KernelState, Ownership } from './kernel-state.ts';
import { describeKernelState, readKernelState } from './observe.ts';
import { DEFAULT_GRACEFUL_TERMINATION_TIMEOUT_MS, type IpvsOptions } from './options.ts';
import type { IpvsPlan } from './plan-types.ts';
import { renderIpvsIptables } from './render-iptables.ts';
import { setUpIpvs } from './setup.ts';

/** The IPVS mode's options: kube-proxy's `ipvs` section, and what tests set. */
export interface IpvsModeOptions extends IpvsOptions {
  readonly backend?: IptablesBackendChoice;
  readonly sysctl?: Sysctl;
}

interface State {
  tools: IptablesTools | undefined;
  index: DesiredIndex;
  /** What kpx knows the kernel holds after its last apply; undefined until a full sync. */
  kernel: KernelState | undefined;
  readonly draining: Draining;
  appliedIptables: string | undefined;
}

// eslint-disable-next-line max-lines-per-function -- the dataplane's observed kernel state and drain list are shared by its methods.
export function openIpvsDataplane(deps: DataplaneDeps, settings: DataplaneSettings<IpvsModeOptions>): Dataplane<IpvsPlan> {
  const { netns, options } = settings;
  const exec: Exec = netns === '' ? deps.exec : execInNetns(deps.exec, netns);
  const sysctl = options.sysctl ?? (netns === '' ? procSysctl() : execSysctl(exec));
  const family = settings.ipFamily;
  const ownership: Ownership = { family, excludeCIDRs: options.excludeCIDRs ?? [] };
  const drainTimeoutMs = options.gracefulTerminationTimeoutMs ?? DEFAULT_GRACEFUL_TERMINATION_TIMEOUT_MS;
  const log = deps.log.child({ mode: 'ipvs', ipFamily: family, ...(netns === '' ? {} : { netns }) });
  const state: State = { tools: undefined, index: new DesiredIndex(), kernel: undefined, draining: new Map(), appliedIptables: undefined };

  async function tools(): Promise<IptablesTools> {
    if (state.tools === undefined) {
      const decision = await detectIptablesBackend(exec, options.backend ?? 'auto');
      log.info({ backend: decision.backend, reason: decision.reason }, 'iptables backend chosen');
      state.tools = iptablesTools(decision.backend, family);
    }
    return state.tools;
  }

  async function apply(plan: IpvsPlan): Promise<ApplyReport> {
    let toolMs = 0;
    const timedExec: Exec = async (request) => {
      const result = await exec(request);
      toolMs += result.durationMs;
      return result;
    };
    const full = plan.full || state.kernel === undefined;
    const touched = emptyTouched();
    if (plan.full) {
      state.index = new DesiredIndex();
      for (const [name, portPlan] of plan.ports) state.index.setPort(name, portPlan);
    } else {
      for (const name of plan.removed) state.index.setPort(name, undefined, touched);
      for (const [name, portPlan] of plan.ports) state.index.setPort(name, portPlan, touched);
    }
    // Without a trusted picture of the kernel (first sync, after a failure), compare everything.
    const known = state.kernel;
    const input: DiffInput =
      full || known === undefined
        ? { desired: state.index, observed: (await readKernelState(timedExec, family)).state, scope: 'all', ownership, draining: state.draining }
        : { desired: state.index, observed: known, scope: touched, ownership, draining: state.draining };
    const batch = diffKernel(input);
    // Whatever fails below, the next sync re-reads the kernel.
    state.kernel = undefined;
    await runAddressBatch(timedExec, batch.addressAdds);
    await runIpvsadmRestore(timedExec, batch.ipvsLines);
    await runIpsetRestore(timedExec, batch.ipsetLines);
    const iptablesApplied = await applyIptables(timedExec, plan, full);
    await runAddressBatch(timedExec, batch.addressDeletes);
    for (const key of batch.drainStopped) state.draining.delete(key);
    for (const key of batch.drainStarted) state.draining.set(key, deps.clock.now());
    advanceKernelState(input, batch, new Set(state.draining.keys()));
    state.kernel = input.observed;
    const drained = await finishDraining(timedExec);
    await clearConntrack(batch);
    return {
      full,
      toolMs,
      figures: {
        ...plan.figures,
        ipvsLines: batch.ipvsLines.length,
        ipsetLines: batch.ipsetLines.length,
        addressChanges: batch.addressAdds.length + batch.addressDeletes.length,
        iptablesApplied: iptablesApplied ? 1 : 0,
        draining: state.draining.size,
        drained,
      },
    };
  }

  async function applyIptables(timedExec: Exec, plan: IpvsPlan, full: boolean): Promise<boolean> {
    const part =
      plan.full && plan.iptables !== undefined
        ? plan.iptables
        : renderIpvsIptables(plan.context, { nonEmptySets: state.index.nonEmptySets(), noNodeAccess: state.index.noNodeAccess() });
    if (!full && part.restoreText === state.appliedIptables) return false;
    const iptables = await tools();
    state.appliedIptables = undefined;
    try {
      // The canaries first: a flush from here on is seen by the next detectFlush.
      if (full) await runRestore(timedExec, iptables, canaryRestoreText());
      await runRestore(timedExec, iptables, part.restoreText);
    } catch (error) {
      if (isKpxError(error, 'KPX_ERR_RESTORE')) deps.metrics?.countRestoreFailure({ partial: false });
      throw error;
    }
    if (full) await ensureJumpRules(timedExec, iptables, part.jumpRules);
    state.appliedIptables = part.restoreText;
    return true;
  }

  /** Deletes draining real servers that have no connections left (or drained too long). */
  async function finishDraining(timedExec: Exec): Promise<number> {
    if (state.draining.size === 0 || state.kernel === undefined) return 0;
    const counts = new Map<string, ReadonlyMap<string, number>>();
    for (const serviceKey of new Set([...state.draining.keys()].map((key) => splitDrainKey(key).serviceKey))) {
      const listing = await readServiceConnections(timedExec, serviceKey);
      for (const [key, perReal] of parseConnectionCounts(listing.stdout)) counts.set(key, perReal);
    }
    const decision = decideDrained(state.draining, counts, deps.clock.now(), drainTimeoutMs);
    const lines: string[] = [];
    for (const key of decision.done) {
      const { serviceKey, realHostPort } = splitDrainKey(key);
      const service = state.kernel.virtualServers.get(serviceKey)?.service;
      const real = splitHostPort(realHostPort);
      if (service !== undefined && real !== undefined && counts.get(serviceKey)?.has(realHostPort) === true) {
        lines.push(deleteRealServerLine(service, real));
      }
    }
    for (const key of decision.timedOut) log.info({ realServer: key }, 'real server deleted after the graceful termination timeout');
    await runIpvsadmRestore(timedExec, lines);
    forgetDrained(state.kernel, decision.done);
    for (const key of decision.done) state.draining.delete(key);
    return decision.done.length;
  }

  async function clearConntrack(batch: IpvsBatch): Promise<void> {
    try {
      for (const removed of batch.removedAtOnce) await clearEntriesForNAT(exec, removed.service.address, removed.address, removed.service.protocol);
      for (const service of batch.removedServices) {
        if (service.protocol !== 'TCP') await clearEntriesForIP(exec, service.address, service.protocol);
      }
    } catch (error) {
      log.warn({ err: error }, 'could not clear conntrack entries of removed UDP/SCTP real servers');
    }
  }

  return {
    async setup() {
      await setUpIpvs(exec, sysctl, options, family, log);
      await tools();
    },
    apply,
    async observe(servicePortName?: ServicePortName): Promise<Observed> {
      const { state: kernel } = await readKernelState(exec, family);
      if (servicePortName === undefined) return { text: describeKernelState(kernel, ownership) };
      const keys = new Set<string>();
      for (const key of kernel.virtualServers.keys()) {
        const wanted = state.index.virtualServer(key);
        if (wanted !== undefined && state.index.ownersOf(key).includes(servicePortName)) keys.add(serviceSpec(wanted));
      }
      return { text: describeKernelState(kernel, ownership, keys) };
    },
    async cleanup() {
      const report = await cleanupIpvs(exec, await tools(), ownership);
      state.kernel = undefined;
      state.index = new DesiredIndex();
      state.appliedIptables = undefined;
      log.info(report, 'ipvs rules cleaned up');
    },
    async close() {
      state.tools = undefined;
    },
    // Only the iptables part: a flush of nat or filter leaves the virtual servers and ipsets.
    async detectFlush(): Promise<FlushDetection | undefined> {
      const lost = await findFlushedTables(exec, await tools());
      return lost.length === 0 ? undefined : { lost };
    },
  };
}
