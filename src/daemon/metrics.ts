// Every metric kpx exports, under kube-proxy's names, help strings, labels and buckets
// (pkg/proxy/metrics/metrics.go, and the ip_family labels of the current Kubernetes
// metrics reference), registered per mode as upstream's RegisterMetrics does, plus
// kpx's own and the default process metrics. Callers use the typed facade, never names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { IPFamily } from '../model/types.ts';
import type { Clock, ModeName } from '../modes/mode.ts';

/** prometheus.ExponentialBuckets: start, start·factor, … (count values). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const buckets: number[] = [];
  for (let i = 0, value = start; i < count; i++, value *= factor) buckets.push(value);
  return buckets;
}

/** prometheus.LinearBuckets. */
export function linearBuckets(start: number, width: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * width);
}

/** component-base's MergeBuckets, which starts with a 0 bucket. */
function mergeBuckets(...lists: number[][]): number[] {
  return [0, ...lists.flat()];
}

const SYNC_BUCKETS = exponentialBuckets(0.001, 2, 15);
export const NETWORK_PROGRAMMING_BUCKETS = mergeBuckets(
  linearBuckets(0.25, 0.25, 2),
  linearBuckets(1, 1, 59),
  linearBuckets(60, 5, 12),
  linearBuckets(120, 30, 7),
);

/** component-base prefixes the help of every ALPHA metric with its stability level. */
const alpha = (help: string): string => `[ALPHA] ${help}`;

type FamilyLabel = 'ip_family';

function createKubeProxyMetrics() {
  const familyHistogram = (name: string, help: string, buckets: number[]) =>
    new Histogram<FamilyLabel>({ name, help: alpha(help), buckets, labelNames: ['ip_family'], registers: [] });
  const familyCounter = (name: string, help: string) =>
    new Counter<FamilyLabel>({ name, help: alpha(help), labelNames: ['ip_family'], registers: [] });
  const familyGauge = (name: string, help: string) =>
    new Gauge<FamilyLabel>({ name, help: alpha(help), labelNames: ['ip_family'], registers: [] });
  return {
    syncDuration: familyHistogram('kubeproxy_sync_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds', SYNC_BUCKETS),
    syncFullDuration: familyHistogram('kubeproxy_sync_full_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for full resyncs', SYNC_BUCKETS),
    syncPartialDuration: familyHistogram('kubeproxy_sync_partial_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for partial resyncs', SYNC_BUCKETS),
    lastSyncTimestamp: familyGauge('kubeproxy_sync_proxy_rules_last_timestamp_seconds', 'The last time proxy rules were successfully synced'),
    lastQueuedTimestamp: familyGauge('kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', 'The last time a sync of proxy rules was queued'),
    networkProgramming: familyHistogram('kubeproxy_network_programming_duration_seconds', 'In Cluster Network Programming Latency in seconds', NETWORK_PROGRAMMING_BUCKETS),
    endpointChangesPending: new Gauge({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_pending', help: alpha('Pending proxy rules Endpoint changes'), registers: [] }),
    endpointChangesTotal: new Counter({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_total', help: alpha('Cumulative proxy rules Endpoint changes'), registers: [] }),
    serviceChangesPending: new Gauge({ name: 'kubeproxy_sync_proxy_rules_service_changes_pending', help: alpha('Pending proxy rules Service changes'), registers: [] }),
    serviceChangesTotal: new Counter({ name: 'kubeproxy_sync_proxy_rules_service_changes_total', help: alpha('Cumulative proxy rules Service changes'), registers: [] }),
    restoreFailures: familyCounter('kubeproxy_sync_proxy_rules_iptables_restore_failures_total', 'Cumulative proxy iptables restore failures'),
    partialRestoreFailures: familyCounter('kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', 'Cumulative proxy iptables partial restore failures'),
    iptablesRulesTotal: new Gauge<'ip_family' | 'table'>({ name: 'kubeproxy_sync_proxy_rules_iptables_total', help: alpha('Total number of iptables rules owned by kube-proxy'), labelNames: ['ip_family', 'table'], registers: [] }),
    iptablesRulesLast: new Gauge<'ip_family' | 'table'>({ name: 'kubeproxy_sync_proxy_rules_iptables_last', help: alpha('Number of iptables rules written by kube-proxy in last sync'), labelNames: ['ip_family', 'table'], registers: [] }),
    nftablesSyncFailures: familyCounter('kubeproxy_sync_proxy_rules_nftables_sync_failures_total', 'Cumulative proxy nftables sync failures'),
    nftablesCleanupFailures: familyCounter('kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total', 'Cumulative proxy nftables cleanup failures'),
    healthzTotal: new Counter<'code'>({ name: 'kubeproxy_proxy_healthz_total', help: alpha('Cumulative proxy healthz HTTP status'), labelNames: ['code'], registers: [] }),
    livezTotal: new Counter<'code'>({ name: 'kubeproxy_proxy_livez_total', help: alpha('Cumulative proxy livez HTTP status'), labelNames: ['code'], registers: [] }),
    noLocalEndpoints: new Gauge<'ip_family' | 'traffic_policy'>({ name: 'kubeproxy_sync_proxy_rules_no_local_endpoints_total', help: alpha('Number of services with a Local traffic policy and no endpoints'), labelNames: ['ip_family', 'traffic_policy'], registers: [] }),
    conntrackReconcileDuration: familyHistogram('kubeproxy_conntrack_reconciler_sync_duration_seconds', 'ReconcileConntrackFlowsLatency latency in seconds', SYNC_BUCKETS),
    conntrackDeletedEntries: familyCounter('kubeproxy_conntrack_reconciler_deleted_entries_total', 'Cumulative conntrack flows deleted by conntrack reconciler'),
  };
}

function createKpxMetrics() {
  return {
    mode: new Gauge<'mode'>({ name: 'kpx_mode', help: 'The proxy mode kpx runs in (value 1)', labelNames: ['mode'], registers: [] }),
    watchRestarts: new Counter<'resource'>({ name: 'kpx_watch_restarts_total', help: 'List/watch loops restarted after a failure or an expired resourceVersion', labelNames: ['resource'], registers: [] }),
    invalidObjectsSkipped: new Counter<'kind'>({ name: 'kpx_invalid_objects_skipped_total', help: 'Invalid API objects skipped whole, counted once per object version', labelNames: ['kind'], registers: [] }),
    applyRetries: new Counter<FamilyLabel>({ name: 'kpx_apply_retries_total', help: 'Syncs retried after a failed apply', labelNames: ['ip_family'], registers: [] }),
  };
}

type KubeProxyMetrics = ReturnType<typeof createKubeProxyMetrics>;

/** Upstream's RegisterMetrics(mode): the core set, plus what each dataplane has. */
function metricsForMode(mode: ModeName, m: KubeProxyMetrics): Metric[] {
  const core: Metric[] = [m.syncDuration, m.lastQueuedTimestamp, m.lastSyncTimestamp, m.endpointChangesPending, m.endpointChangesTotal,
    m.serviceChangesPending, m.serviceChangesTotal, m.healthzTotal, m.livezTotal, m.networkProgramming, m.noLocalEndpoints];
  const conntrack: Metric[] = [m.conntrackReconcileDuration, m.conntrackDeletedEntries];
  switch (mode) {
    case 'iptables':
      return [...core, m.syncFullDuration, m.syncPartialDuration, m.restoreFailures, m.partialRestoreFailures,
        m.iptablesRulesTotal, m.iptablesRulesLast, ...conntrack];
    case 'ipvs':
      return [...core, m.restoreFailures, ...conntrack];
    case 'nftables':
      return [...core, m.syncFullDuration, m.syncPartialDuration, m.nftablesSyncFailures, m.nftablesCleanupFailures, ...conntrack];
    case 'userspace':
      return [...core, ...conntrack];
  }
}

export type IptablesTable = 'filter' | 'nat' | 'mangle' | 'raw';
export type HealthProbe = 'healthz' | 'livez';

export interface ProxyMetrics {
  readonly registry: Registry;
  /** The text exposition and its Content-Type, as /metrics serves them. */
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** One sync attempt ended (successful or not): upstream observes its duration either way. */
  observeSync(ipFamily: IPFamily, sync: { readonly full: boolean; readonly durationSeconds: number }): void;
  /** The rules were applied successfully now. */
  markSynced(ipFamily: IPFamily): void;
  /** A sync was requested now. */
  markQueued(ipFamily: IPFamily): void;
  /** From an object's change in the API to its rules applied. */
  observeNetworkProgramming(ipFamily: IPFamily, seconds: number): void;
  setChangesPending(pending: { readonly services: number; readonly endpoints: number }): void;
  countChanges(seen: { readonly services: number; readonly endpoints: number }): void;
  /** A failed iptables-restore (or ipvs-mode restore); `partial` also counts the partial failure. */
  countRestoreFailure(ipFamily: IPFamily, restore: { readonly partial: boolean }): void;
  setIptablesRules(ipFamily: IPFamily, table: IptablesTable, rules: { readonly total: number; readonly lastSync: number }): void;
  setNoLocalEndpoints(ipFamily: IPFamily, services: { readonly internal: number; readonly external: number }): void;
  countNftablesFailure(ipFamily: IPFamily, step: 'sync' | 'cleanup'): void;
  observeConntrackReconcile(ipFamily: IPFamily, run: { readonly durationSeconds: number; readonly deletedEntries: number }): void;
  countHealthProbe(probe: HealthProbe, statusCode: number): void;
  countWatchRestart(resource: string): void;
  countInvalidObjectsSkipped(kind: string, count: number): void;
  countApplyRetry(ipFamily: IPFamily): void;
}

export interface ProxyMetricsOptions {
  readonly mode: ModeName;
  /** Wall clock, ms since the epoch (timestamps gauges). */
  readonly clock?: Clock;
  /** Default process_* and nodejs_* metrics; on unless false. */
  readonly processMetrics?: boolean;
}

export function createProxyMetrics(options: ProxyMetricsOptions): ProxyMetrics {
  const clock = options.clock ?? { now: () => Date.now() };
  const registry = new Registry();
  const m = createKubeProxyMetrics();
  const kpx = createKpxMetrics();
  const kpxMetrics: Metric[] = Object.values(kpx);
  for (const metric of [...metricsForMode(options.mode, m), ...kpxMetrics]) registry.registerMetric(metric);
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  kpx.mode.set({ mode: options.mode }, 1);
  const nowSeconds = (): number => clock.now() / 1000;

  return {
    registry,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    observeSync(ipFamily, sync) {
      m.syncDuration.observe({ ip_family: ipFamily }, sync.durationSeconds);
      (sync.full ? m.syncFullDuration : m.syncPartialDuration).observe({ ip_family: ipFamily }, sync.durationSeconds);
    },
    markSynced: (ipFamily) => m.lastSyncTimestamp.set({ ip_family: ipFamily }, nowSeconds()),
    markQueued: (ipFamily) => m.lastQueuedTimestamp.set({ ip_family: ipFamily }, nowSeconds()),
    observeNetworkProgramming: (ipFamily, seconds) => m.networkProgramming.observe({ ip_family: ipFamily }, seconds),
    setChangesPending(pending) {
      m.serviceChangesPending.set(pending.services);
      m.endpointChangesPending.set(pending.endpoints);
    },
    countChanges(seen) {
      m.serviceChangesTotal.inc(seen.services);
      m.endpointChangesTotal.inc(seen.endpoints);
    },
    countRestoreFailure(ipFamily, restore) {
      m.restoreFailures.inc({ ip_family: ipFamily });
      if (restore.partial) m.partialRestoreFailures.inc({ ip_family: ipFamily });
    },
    setIptablesRules(ipFamily, table, rules) {
      m.iptablesRulesTotal.set({ ip_family: ipFamily, table }, rules.total);
      m.iptablesRulesLast.set({ ip_family: ipFamily, table }, rules.lastSync);
    },
    setNoLocalEndpoints(ipFamily, services) {
      m.noLocalEndpoints.set({ ip_family: ipFamily, traffic_policy: 'internal' }, services.internal);
      m.noLocalEndpoints.set({ ip_family: ipFamily, traffic_policy: 'external' }, services.external);
    },
    countNftablesFailure: (ipFamily, step) => (step === 'sync' ? m.nftablesSyncFailures : m.nftablesCleanupFailures).inc({ ip_family: ipFamily }),
    observeConntrackReconcile(ipFamily, run) {
      m.conntrackReconcileDuration.observe({ ip_family: ipFamily }, run.durationSeconds);
      m.conntrackDeletedEntries.inc({ ip_family: ipFamily }, run.deletedEntries);
    },
    countHealthProbe: (probe, statusCode) => (probe === 'healthz' ? m.healthzTotal : m.livezTotal).inc({ code: String(statusCode) }),
    countWatchRestart: (resource) => kpx.watchRestarts.inc({ resource }),
    countInvalidObjectsSkipped: (kind, count) => kpx.invalidObjectsSkipped.inc({ kind }, count),
    countApplyRetry: (ipFamily) => kpx.applyRetries.inc({ ip_family: ipFamily }),
  };
}
