// The proxier: the one place a sync happens. Snapshot → desired state (memoized) → diff
// against what was last applied → mode.plan (partial when allowed) → dataplane.apply, then
// health, metrics, health-check node ports and stale UDP conntrack entries follow the outcome.
//
// kube-proxy's rules for full syncs: the first sync, the first after any failure, the first
// after someone else flushed the rules (requestFullSync), one after a node or configuration
// change (changes.full), and one at least every FullSyncPeriod (an hour) are full; the rest,
// the periodic syncPeriod ones included, rewrite only the service ports that changed. The
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
import { reconcileStaleConntrack } from './conntrack-reconcile.ts';
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
  /** A full sync at least this often; default upstream's FullSyncPeriod. */
  readonly fullSyncPeriodMs?: number;
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
  /**
   * Reads the interface addresses where the rules live, before each full sync (upstream's
   * GetNodeIPs at each full sync); undefined keeps the addresses last read.
   */
  readonly readLocalAddresses?: () => Promise<readonly string[] | undefined>;
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
  /** Makes the next sync full (someone else flushed the rules); the caller asks the runner for it. */
  requestFullSync(reason: FullSyncReason): void;
  /** Whether a full sync requested for a flush has not succeeded yet. */
  readonly awaitsFlushRepair: boolean;
}

/** Upstream's proxyutil.FullSyncPeriod. */
export const FULL_SYNC_PERIOD_MS = 3_600_000;

/** Why a sync is full, in the sync log line. */
export type FullSyncReason = 'start' | 'failure' | 'flush' | 'change' | 'period';

interface PlannedSync {
  readonly state: DesiredState;
  readonly changes: ChangeSet;
  readonly full: boolean;
  readonly fullReason: FullSyncReason | undefined;
  /** The full-sync requests this sync serves (when full). */
  readonly requestsServed: number;
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
  const fullSyncPeriodMs = options.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS;
  // Requests count up; a full sync serves those made before it planned. Counting (not a
  // flag) keeps a request made while a sync runs for the next one.
  const fullSync = { requested: 1, served: 0, reason: 'start' as FullSyncReason, flushRequest: 0 };
  let lastFullSyncAt = Number.NEGATIVE_INFINITY;
  let hasSynced = false;
  let modelConfig = options.modelConfig;

  /** A full sync for a reason known before the state is built: a request (start, failure, flush) or the period. */
  const isFullDue = (): boolean => fullSync.requested > fullSync.served || monotonicNow() - lastFullSyncAt >= fullSyncPeriodMs;
  /**
   * The node's interface addresses (node ports on every matching one), read again before a full
   * sync and on the periodic ones, as upstream reads them every sync: addresses that changed
   * change the node context, which makes that sync full.
   */
  const readsLocalAddresses = (trigger: SyncTrigger): boolean => options.readLocalAddresses !== undefined && (trigger.periodic || isFullDue());
  const refreshLocalAddresses = async (): Promise<void> => {
    const localAddresses = await options.readLocalAddresses?.();
    if (localAddresses !== undefined) modelConfig = { ...modelConfig, localAddresses };
  };

  const requestFullSync = (reason: FullSyncReason): void => {
    fullSync.reason = reason;
    fullSync.requested += 1;
    if (reason === 'flush') fullSync.flushRequest = fullSync.requested;
  };

  const planSync = (current: Snapshot): PlannedSync => {
    const { state, problems: found } = buildState(current, modelConfig);
    const reportsProblem = options.reportsProblem;
    problems.report(reportsProblem === undefined ? found : found.filter(reportsProblem), current);
    const changes = diffStates(applied, state);
    const requestsServed = fullSync.requested;
    let fullReason: FullSyncReason | undefined;
    if (fullSync.requested > fullSync.served) fullReason = fullSync.reason;
    else if (changes.full) fullReason = 'change';
    else if (monotonicNow() - lastFullSyncAt >= fullSyncPeriodMs) fullReason = 'period';
    return { state, changes, full: fullReason !== undefined, fullReason, requestsServed };
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
    const started = monotonicNow();
    const report = await reconcileStaleConntrack(options.conntrackExec, planned.state, planned.changes);
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
      // Planned after the read, so a full sync requested meanwhile is served by this one.
      if (readsLocalAddresses(trigger)) await refreshLocalAddresses();
      const planned = planSync(current);
      let report: ApplyReport | undefined;
      // A periodic partial sync applies even when nothing changed: upstream's rewrites the
      // chains every sync rewrites (the mode says which), though not the per-service ones.
      const periodic = trigger.periodic && !planned.full;
      if (planned.full || periodic || hasChanges(planned.changes)) {
        const changes = periodic ? { ...planned.changes, periodic: true } : planned.changes;
        const plan = mode.plan(planned.state, options.modeOptions, planned.full ? undefined : changes);
        try {
          report = await dataplane.apply(plan);
        } catch (error) {
          requestFullSync('failure');
          mergeOldest(pendingSince, programmed);
          metrics.observeSync(ipFamily, { full: planned.full, durationSeconds: (monotonicNow() - started) / 1000 });
          if (trigger.consecutiveFailures > 0) metrics.countApplyRetry(ipFamily);
          throw error;
        }
      }
      applied = planned.state;
      if (planned.full) {
        fullSync.served = Math.max(fullSync.served, planned.requestsServed);
        lastFullSyncAt = started;
      }
      hasSynced = true;
      pendingChanges = { services: pendingChanges.services - changesInSync.services, endpoints: pendingChanges.endpoints - changesInSync.endpoints };
      if (countsObjectChanges) metrics.setChangesPending(pendingChanges);
      tracker.updated(ipFamily);
      metrics.markSynced(ipFamily);
      const after = await afterApply(planned, programmed);
      const durationMs = monotonicNow() - started;
      metrics.observeSync(ipFamily, { full: planned.full, durationSeconds: durationMs / 1000 });
      // V(2), as upstream's per-sync lines.
      log.debug(
        {
          full: planned.full,
          fullReason: planned.fullReason,
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
    requestFullSync,
    get awaitsFlushRepair() {
      return fullSync.flushRequest > fullSync.served;
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
