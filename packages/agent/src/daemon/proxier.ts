// The proxier: the one place a sync happens. Snapshot → desired state (memoized) → diff
// against what was last applied → mode.plan (partial when allowed) → dataplane.apply, then
// health, metrics, health-check node ports and stale UDP conntrack entries follow the outcome.
//
// kube-proxy's rules for full syncs: the first sync, the first after any failure, and one at
// least every syncPeriod are full; the rest rewrite only the service ports that changed. The
// diff is always taken against the last state applied successfully, so a failed apply loses
// nothing: the next sync retries with a full plan built from the newest snapshot.
import type { ChangeSet } from '../diff/change-set.ts';
import { diffStates } from '../diff/diff-states.ts';
import type { Logger } from '../log.ts';
import { createStateBuilder } from '../model/build-state.ts';
import type { ModelConfig } from '../model/inputs.ts';
import type { DesiredState, Problem } from '../model/types.ts';
import type { ApplyReport, Clock, Dataplane, Mode } from '../modes/mode.ts';
import type { Exec } from '../sys/exec.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { clearStaleConntrackEntries, staleConntrackFilters } from './conntrack-cleanup.ts';
import { healthCheckServicesFromState } from './health-check-services.ts';
import type { ProxyMetrics } from './metrics.ts';
import { createObjectChangeCounter } from './object-changes.ts';
import { createProblemReporter } from './problem-reporter.ts';
import type { ProxyHealthTracker } from './proxy-health.ts';
import type { ServiceHealthServers } from './service-health-servers.ts';
import type { SyncTrigger } from './sync-runner.ts';

export interface ProxierOptions<Plan, Options> {
  readonly mode: Mode<Plan, Options>;
  /** The mode's own options (its optionsFromConfig), for every plan. */
  readonly modeOptions: Options;
  readonly dataplane: Dataplane<Plan>;
  readonly modelConfig: ModelConfig;
  /** A full sync at least this often (kube-proxy's syncPeriod). */
  readonly syncPeriodMs: number;
  readonly metrics: ProxyMetrics;
  readonly tracker: ProxyHealthTracker;
  readonly serviceHealth: ServiceHealthServers;
  /** Runs `conntrack` where the rules live (the host, or the --netns namespace). */
  readonly conntrackExec: Exec;
  readonly log: Logger;
  /** Wall clock (ms since the epoch): network-programming latency is measured against snapshot times. */
  readonly clock: Clock;
  /** Monotonic ms, for durations. */
  readonly monotonicNow?: () => number;
  /** Beside another family's proxier: which problems this one reports (default all). */
  readonly reportsProblem?: (problem: Problem) => boolean;
  /** Whether this proxier counts object changes in the metrics (default true; one of two families does). */
  readonly countsObjectChanges?: boolean;
}

export interface Proxier {
  /** Takes the watch layer's newest snapshot (each one asks for a sync). */
  acceptSnapshot(snapshot: Snapshot): void;
  /** One sync; throws when the apply failed (the runner retries). */
  sync(trigger: SyncTrigger): Promise<void>;
  /** The newest snapshot's Node object (healthz's node eligibility). */
  currentNode(): Snapshot['node'];
  /** Whether a sync has succeeded since start. */
  readonly hasSynced: boolean;
}

interface PlannedSync {
  readonly state: DesiredState;
  readonly changes: ChangeSet;
  readonly full: boolean;
}

function hasChanges(changes: ChangeSet): boolean {
  return changes.full || changes.changed.size > 0 || changes.deleted.size > 0;
}

// eslint-disable-next-line max-lines-per-function -- the sync's state (last applied state, pending changes, full-sync due) is shared by the steps of one sync.
export function createProxier<Plan, Options>(options: ProxierOptions<Plan, Options>): Proxier {
  const { mode, dataplane, metrics, tracker, log, clock } = options;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());
  const ipFamily = options.modelConfig.ipFamily;
  const countsObjectChanges = options.countsObjectChanges ?? true;
  const buildState = createStateBuilder();
  const problems = createProblemReporter(log, metrics);
  let snapshot: Snapshot | undefined;
  const objectChanges = createObjectChangeCounter();
  let pendingChanges = { services: 0, endpoints: 0 };
  /** Per service, when its oldest change not yet applied arrived (ms since the epoch). */
  let pendingSince = new Map<string, number>();
  let applied: DesiredState | undefined;
  let needsFullSync = true;
  let lastFullSyncAt = Number.NEGATIVE_INFINITY;
  let hasSynced = false;

  const planSync = (current: Snapshot, trigger: SyncTrigger): PlannedSync => {
    const { state, problems: found } = buildState(current, options.modelConfig);
    const reportsProblem = options.reportsProblem;
    problems.report(reportsProblem === undefined ? found : found.filter(reportsProblem), current);
    const changes = diffStates(applied, state);
    const periodDue = monotonicNow() - lastFullSyncAt >= options.syncPeriodMs;
    const full = needsFullSync || trigger.periodic || periodDue || changes.full;
    return { state, changes, full };
  };

  const afterApply = async (planned: PlannedSync, programmed: ReadonlyMap<string, number>): Promise<Record<string, number>> => {
    const now = clock.now();
    for (const since of programmed.values()) metrics.observeNetworkProgramming(ipFamily, Math.max(0, now - since) / 1000);
    metrics.setNoLocalEndpoints(ipFamily, countNoLocalEndpoints(planned.state));
    const health = await options.serviceHealth.sync(healthCheckServicesFromState(planned.state));
    const conntrack = await clearStaleConntrack(planned);
    return { healthChecksOpened: health.opened, healthChecksClosed: health.closed, conntrackDeleted: conntrack };
  };

  const clearStaleConntrack = async (planned: PlannedSync): Promise<number> => {
    const filters = staleConntrackFilters(planned.changes, planned.state);
    if (filters.length === 0) return 0;
    const started = monotonicNow();
    const report = await clearStaleConntrackEntries(options.conntrackExec, filters);
    metrics.observeConntrackReconcile(ipFamily, { durationSeconds: (monotonicNow() - started) / 1000, deletedEntries: report.deletedEntries });
    for (const failure of report.failures) log.error({ err: failure.error, filter: failure.filter }, 'stale conntrack entries not deleted');
    return report.deletedEntries;
  };

  return {
    acceptSnapshot(next) {
      snapshot = next;
      mergeOldest(pendingSince, next.pendingSince);
      const changed = objectChanges.count(next);
      if (countsObjectChanges) metrics.countChanges(changed);
      pendingChanges = { services: pendingChanges.services + changed.services, endpoints: pendingChanges.endpoints + changed.endpoints };
      if (countsObjectChanges) metrics.setChangesPending(pendingChanges);
      tracker.queuedUpdate(ipFamily);
      metrics.markQueued(ipFamily);
    },

    async sync(trigger) {
      const current = snapshot;
      if (current === undefined) return; // the "synced" gate: nothing before the first snapshot
      const started = monotonicNow();
      const programmed = pendingSince;
      pendingSince = new Map();
      const changesInSync = pendingChanges;
      const planned = planSync(current, trigger);
      let report: ApplyReport | undefined;
      if (planned.full || hasChanges(planned.changes)) {
        const plan = mode.plan(planned.state, options.modeOptions, planned.full ? undefined : planned.changes);
        try {
          report = await dataplane.apply(plan);
        } catch (error) {
          needsFullSync = true;
          mergeOldest(pendingSince, programmed);
          metrics.observeSync(ipFamily, { full: planned.full, durationSeconds: (monotonicNow() - started) / 1000 });
          if (trigger.consecutiveFailures > 0) metrics.countApplyRetry(ipFamily);
          throw error;
        }
      }
      applied = planned.state;
      needsFullSync = false;
      if (planned.full) lastFullSyncAt = started;
      hasSynced = true;
      pendingChanges = { services: pendingChanges.services - changesInSync.services, endpoints: pendingChanges.endpoints - changesInSync.endpoints };
      if (countsObjectChanges) metrics.setChangesPending(pendingChanges);
      tracker.updated(ipFamily);
      metrics.markSynced(ipFamily);
      const after = await afterApply(planned, programmed);
      const durationMs = monotonicNow() - started;
      metrics.observeSync(ipFamily, { full: planned.full, durationSeconds: durationMs / 1000 });
      log.info(
        {
          full: planned.full,
          applied: report !== undefined,
          trigger: triggerName(trigger),
          generation: current.generation,
          servicePorts: planned.state.servicePorts.size,
          changed: planned.changes.changed.size,
          deleted: planned.changes.deleted.size,
          durationMs: Math.round(durationMs * 10) / 10,
          toolMs: report === undefined ? 0 : Math.round(report.toolMs * 10) / 10,
          ...report?.figures,
          ...after,
        },
        'sync done',
      );
    },

    currentNode: () => snapshot?.node,
    get hasSynced() {
      return hasSynced;
    },
  };
}

/** Keeps, per service, the oldest of the two times. */
function mergeOldest(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [service, since] of from) {
    const known = into.get(service);
    if (known === undefined || since < known) into.set(service, since);
  }
}

function triggerName(trigger: SyncTrigger): string {
  if (trigger.retry) return 'retry';
  if (trigger.requested) return 'change';
  return trigger.periodic ? 'period' : 'start';
}

/** Upstream's no-local-endpoints gauges: Local-policy ports with endpoints elsewhere but none here. */
function countNoLocalEndpoints(state: DesiredState): { internal: number; external: number } {
  let internal = 0;
  let external = 0;
  for (const port of state.servicePorts.values()) {
    if (!port.endpoints.hasAnyEndpoints || port.endpoints.local.length > 0) continue;
    if (port.internalPolicyLocal) internal += 1;
    if (port.externalPolicyLocal && port.externallyAccessible) external += 1;
  }
  return { internal, external };
}
