// The health state behind /healthz and /livez, after upstream's ProxyHealthServer
// (pkg/proxy/healthcheck/proxy_health.go): per IP family, when the rules were last
// updated and when the oldest change not yet applied was queued. A family is unhealthy
// once such a change has waited healthTimeoutMs (kube-proxy: 2 × syncPeriod), and (kpx's
// own) from the moment its rules were found flushed by someone else until they are back.
import { isRecord } from '../model/field-reader.ts';
import type { RawObject } from '../model/inputs.ts';
import type { IPFamily } from '../model/types.ts';
import type { Clock } from '../modes/mode.ts';

/** The taint the cluster autoscaler puts on a node it is about to delete. */
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';

export interface ProxierHealth {
  /** ms since the epoch; undefined before the first update. */
  readonly lastUpdatedMs: number | undefined;
  readonly healthy: boolean;
}

export interface ProxyHealth {
  /** The most recent update over all families; undefined when none has updated yet. */
  readonly lastUpdatedMs: number | undefined;
  readonly currentTimeMs: number;
  /** True when every family is healthy. */
  readonly healthy: boolean;
  readonly status: ReadonlyMap<IPFamily, ProxierHealth>;
}

/** kube-proxy's healthTimeout for a given syncPeriod. */
export function healthTimeoutForSyncPeriod(syncPeriodMs: number): number {
  return 2 * syncPeriodMs;
}

/**
 * Whether the node may receive load-balancer traffic: its Node object is known, not being
 * deleted, and not tainted for deletion by the cluster autoscaler (upstream NodeEligible).
 */
export function isNodeEligible(node: RawObject | undefined): boolean {
  if (node === undefined) return false;
  const metadata = node['metadata'];
  if (isRecord(metadata)) {
    const deletionTimestamp = metadata['deletionTimestamp'];
    if (deletionTimestamp !== undefined && deletionTimestamp !== null && deletionTimestamp !== '') return false;
  }
  const spec = node['spec'];
  const taints = isRecord(spec) ? spec['taints'] : undefined;
  if (Array.isArray(taints) && taints.some((taint) => isRecord(taint) && taint['key'] === TO_BE_DELETED_TAINT)) return false;
  return true;
}

export interface ProxyHealthTracker {
  /** A change that needs new rules arrived for this family (only the oldest one counts). */
  queuedUpdate(ipFamily: IPFamily): void;
  /** The rules of this family now reflect every change; call it also when the sync loop starts. */
  updated(ipFamily: IPFamily): void;
  /** This family's rules were found flushed: unhealthy until the next updated(). */
  rulesLost(ipFamily: IPFamily): void;
  health(): ProxyHealth;
}

export function createProxyHealthTracker(options: { readonly healthTimeoutMs: number; readonly clock: Clock }): ProxyHealthTracker {
  const { healthTimeoutMs, clock } = options;
  const lastUpdated = new Map<IPFamily, number>();
  const oldestPendingQueued = new Map<IPFamily, number>();
  const lost = new Set<IPFamily>();

  return {
    queuedUpdate(ipFamily) {
      if (!oldestPendingQueued.has(ipFamily)) oldestPendingQueued.set(ipFamily, clock.now());
    },
    updated(ipFamily) {
      oldestPendingQueued.delete(ipFamily);
      lost.delete(ipFamily);
      lastUpdated.set(ipFamily, clock.now());
    },
    rulesLost(ipFamily) {
      lost.add(ipFamily);
    },
    health() {
      const currentTimeMs = clock.now();
      const status = new Map<IPFamily, ProxierHealth>();
      let healthy = true;
      let latest: number | undefined;
      // As upstream, only families that have updated at least once are judged.
      for (const [ipFamily, updatedMs] of [...lastUpdated].sort(([a], [b]) => a.localeCompare(b))) {
        if (latest === undefined || updatedMs > latest) latest = updatedMs;
        const queuedMs = oldestPendingQueued.get(ipFamily);
        const familyHealthy = !lost.has(ipFamily) && (queuedMs === undefined || currentTimeMs - queuedMs < healthTimeoutMs);
        if (!familyHealthy) healthy = false;
        status.set(ipFamily, { lastUpdatedMs: updatedMs, healthy: familyHealthy });
      }
      return { lastUpdatedMs: latest, currentTimeMs, healthy, status };
    },
  };
}
