// Every metric kpx exports, under kube-proxy's names, help strings, labels and buckets
// (pkg/proxy/metrics/metrics.go, and the ip_family labels of the current Kubernetes
// metrics reference), registered per mode as upstream's RegisterMetrics does, plus
// kpx's own and the default process metrics. Callers use the typed facade, never names.
// prom-client's exponentialBuckets and linearBuckets are client_golang's ExponentialBuckets and LinearBuckets.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets, linearBuckets, type Metric } from 'prom-client';
import type { IPFamily } from '../model/types.ts';
import type { Clock, DataplaneMetrics, ModeName } from '../modes/mode.ts';
import { KPX_VERSION, KUBE_PROXY_VERSION } from '../version.ts';
import { nfacctMetrics } from './nfacct-metrics.ts';
import { createRestClientMetrics, createSliMetrics, observeRestRequest, type HealthcheckType, type RestRequest } from './component-metrics.ts';

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

const FAMILY = ['ip_family'] as const;

function histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[]): Histogram<L> {
  return new Histogram<L>({ name, help, buckets, labelNames, registers: [] });
}

function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter<L>({ name, help, labelNames, registers: [] });
}

function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge<L>({ name, help, labelNames, registers: [] });
}

function createKubeProxyMetrics() {
  return {
    syncDuration: histogram('kubeproxy_sync_proxy_rules_duration_seconds', alpha('SyncProxyRules latency in seconds'), SYNC_BUCKETS, FAMILY),
    syncFullDuration: histogram(
      'kubeproxy_sync_full_proxy_rules_duration_seconds',
      alpha('SyncProxyRules latency in seconds for full resyncs'),
      SYNC_BUCKETS,
      FAMILY,
    ),
    syncPartialDuration: histogram(
      'kubeproxy_sync_partial_proxy_rules_duration_seconds',
      alpha('SyncProxyRules latency in seconds for partial resyncs'),
      SYNC_BUCKETS,
      FAMILY,
    ),
    lastSyncTimestamp: gauge('kubeproxy_sync_proxy_rules_last_timestamp_seconds', alpha('The last time proxy rules were successfully synced'), FAMILY),
    lastQueuedTimestamp: gauge('kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', alpha('The last time a sync of proxy rules was queued'), FAMILY),
    networkProgramming: histogram(
      'kubeproxy_network_programming_duration_seconds',
      alpha('In Cluster Network Programming Latency in seconds'),
      NETWORK_PROGRAMMING_BUCKETS,
      FAMILY,
    ),
    endpointChangesPending: gauge('kubeproxy_sync_proxy_rules_endpoint_changes_pending', alpha('Pending proxy rules Endpoint changes')),
    endpointChangesTotal: counter('kubeproxy_sync_proxy_rules_endpoint_changes_total', alpha('Cumulative proxy rules Endpoint changes')),
    serviceChangesPending: gauge('kubeproxy_sync_proxy_rules_service_changes_pending', alpha('Pending proxy rules Service changes')),
    serviceChangesTotal: counter('kubeproxy_sync_proxy_rules_service_changes_total', alpha('Cumulative proxy rules Service changes')),
    restoreFailures: counter('kubeproxy_sync_proxy_rules_iptables_restore_failures_total', alpha('Cumulative proxy iptables restore failures'), FAMILY),
    partialRestoreFailures: counter(
      'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total',
      alpha('Cumulative proxy iptables partial restore failures'),
      FAMILY,
    ),
    iptablesRulesTotal: gauge('kubeproxy_sync_proxy_rules_iptables_total', alpha('Total number of iptables rules owned by kube-proxy'), ['ip_family', 'table']),
    iptablesRulesLast: gauge('kubeproxy_sync_proxy_rules_iptables_last', alpha('Number of iptables rules written by kube-proxy in last sync'), [
      'ip_family',
      'table',
    ]),
    nftablesSyncFailures: counter('kubeproxy_sync_proxy_rules_nftables_sync_failures_total', alpha('Cumulative proxy nftables sync failures'), FAMILY),
    nftablesCleanupFailures: counter('kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total', alpha('Cumulative proxy nftables cleanup failures'), FAMILY),
    healthzTotal: counter('kubeproxy_proxy_healthz_total', alpha('Cumulative proxy healthz HTTP status'), ['code']),
    livezTotal: counter('kubeproxy_proxy_livez_total', alpha('Cumulative proxy livez HTTP status'), ['code']),
    noLocalEndpoints: gauge('kubeproxy_sync_proxy_rules_no_local_endpoints_total', alpha('Number of services with a Local traffic policy and no endpoints'), [
      'ip_family',
      'traffic_policy',
    ]),
    // Buckets not confirmed against upstream source (only its metrics reference was at hand).
    conntrackReconcileDuration: histogram(
      'kubeproxy_conntrack_reconciler_sync_duration_seconds',
      alpha('ReconcileConntrackFlowsLatency latency in seconds'),
      SYNC_BUCKETS,
      FAMILY,
    ),
    conntrackDeletedEntries: counter(
      'kubeproxy_conntrack_reconciler_deleted_entries_total',
      alpha('Cumulative conntrack flows deleted by conntrack reconciler'),
      FAMILY,
    ),
  };
}

function createKpxMetrics() {
  return {
    mode: gauge('kpx_mode', 'The proxy mode kpx runs in (value 1)', ['mode']),
    // component-base's kubernetes_build_info, for kpx: its own name, so that no dashboard takes kpx for a Kubernetes build.
    buildInfo: gauge(
      'kpx_build_info',
      "A metric with a constant '1' value labeled by major, minor and git version of kpx, the kube-proxy version it tracks, the runtime version, and platform on which it is running",
      ['major', 'minor', 'git_version', 'kube_proxy_version', 'runtime_version', 'platform'],
    ),
    watchRestarts: counter('kpx_watch_restarts_total', 'List/watch loops restarted after a failure or an expired resourceVersion', ['resource']),
    watchDecodeErrors: counter(
      'kpx_watch_decode_errors_total',
      'Watch events and listed objects dropped: undecodable, of another kind, or without name or resourceVersion',
      ['resource', 'reason'],
    ),
    invalidObjectsSkipped: counter('kpx_invalid_objects_skipped_total', 'Invalid API objects skipped whole, counted once per object version', ['kind']),
    applyRetries: counter('kpx_apply_retries_total', 'Syncs retried after a failed apply', FAMILY),
    // Upstream counts nothing for its platformCleanup (only the iptables restores inside it).
    leftoverCleanupFailures: counter('kpx_leftover_cleanup_failures_total', "Steps of another mode's leftover cleanup that failed at start", ['mode']),
    rulesFlushed: counter('kpx_rules_flushed_total', 'Times kpx found its rules flushed or deleted by someone else (a full sync followed)', FAMILY),
  };
}

type KubeProxyMetrics = ReturnType<typeof createKubeProxyMetrics>;

/** Upstream's RegisterMetrics(mode): the core set, plus what each dataplane has. */
function metricsForMode(mode: ModeName, m: KubeProxyMetrics): Metric[] {
  const core: Metric[] = [
    m.syncDuration,
    m.lastQueuedTimestamp,
    m.lastSyncTimestamp,
    m.endpointChangesPending,
    m.endpointChangesTotal,
    m.serviceChangesPending,
    m.serviceChangesTotal,
    m.healthzTotal,
    m.livezTotal,
    m.networkProgramming,
    m.noLocalEndpoints,
  ];
  const conntrack: Metric[] = [m.conntrackReconcileDuration, m.conntrackDeletedEntries];
  switch (mode) {
    case 'iptables':
      return [
        ...core,
        m.syncFullDuration,
        m.syncPartialDuration,
        m.restoreFailures,
        m.partialRestoreFailures,
        m.iptablesRulesTotal,
        m.iptablesRulesLast,
        ...conntrack,
      ];
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
  /** A failed iptables-restore (the iptables mode's, or the ipvs mode's iptables part); `partial` also counts the partial failure. */
  countRestoreFailure(ipFamily: IPFamily, restore: { readonly partial: boolean }): void;
  setIptablesRules(ipFamily: IPFamily, table: IptablesTable, rules: { readonly total: number; readonly lastSync: number }): void;
  setNoLocalEndpoints(ipFamily: IPFamily, services: { readonly internal: number; readonly external: number }): void;
  countNftablesFailure(ipFamily: IPFamily, step: 'sync' | 'cleanup'): void;
  observeConntrackReconcile(ipFamily: IPFamily, run: { readonly durationSeconds: number; readonly deletedEntries: number }): void;
  countHealthProbe(probe: HealthProbe, statusCode: number): void;
  countWatchRestart(resource: string): void;
  /** A watch event or listed object dropped, and why (a DropReason). */
  countWatchDecodeError(resource: string, reason: string): void;
  countInvalidObjectsSkipped(kind: string, count: number): void;
  countApplyRetry(ipFamily: IPFamily): void;
  /** A step of `mode`'s leftover cleanup failed (at the start of another mode). */
  countLeftoverCleanupFailure(mode: ModeName): void;
  /** The dataplane's detectFlush found kpx's rules gone (upstream has no metric for this). */
  countRulesFlushed(ipFamily: IPFamily): void;
  /** The handle a dataplane of `ipFamily` counts its own failures and rules through. */
  forDataplane(ipFamily: IPFamily): DataplaneMetrics;
  /** One call to the API server (client-go's rest_client_* metrics). */
  observeRestRequest(request: RestRequest): void;
  /** One health check run, for /metrics/slis. */
  observeHealthcheck(name: string, type: HealthcheckType, healthy: boolean): void;
  /** The SLI registry's text exposition, as /metrics/slis serves it. */
  scrapeSlis(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** The iptables mode's nfacct counters, read at each scrape (registered only where they exist, as upstream). */
  registerNfacctCounters(read: () => Promise<ReadonlyMap<string, number>>): void;
}

export interface ProxyMetricsOptions {
  readonly mode: ModeName;
  /** Wall clock, ms since the epoch (timestamps gauges). */
  readonly clock?: Clock;
  /** Default process_* and nodejs_* metrics; on unless false. */
  readonly processMetrics?: boolean;
}

// eslint-disable-next-line max-lines-per-function -- one line per metric kube-proxy exposes, bound to one registry; splitting it would scatter the names.
export function createProxyMetrics(options: ProxyMetricsOptions): ProxyMetrics {
  const clock = options.clock ?? { now: () => Date.now() };
  const registry = new Registry();
  const m = createKubeProxyMetrics();
  const kpx = createKpxMetrics();
  const kpxMetrics: Metric[] = Object.values(kpx);
  const rest = createRestClientMetrics();
  const slis = createSliMetrics();
  for (const metric of [...metricsForMode(options.mode, m), rest.requests, rest.duration, ...kpxMetrics]) registry.registerMetric(metric);
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  kpx.mode.set({ mode: options.mode }, 1);
  const [major = '', minor = ''] = KPX_VERSION.split('.');
  kpx.buildInfo.set(
    {
      major,
      minor,
      git_version: `v${KPX_VERSION}`,
      kube_proxy_version: KUBE_PROXY_VERSION,
      runtime_version: process.version,
      platform: `${process.platform}/${process.arch}`,
    },
    1,
  );
  const nowSeconds = (): number => clock.now() / 1000;

  const metrics: ProxyMetrics = {
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
    countWatchDecodeError: (resource, reason) => kpx.watchDecodeErrors.inc({ resource, reason }),
    countInvalidObjectsSkipped: (kind, count) => kpx.invalidObjectsSkipped.inc({ kind }, count),
    countApplyRetry: (ipFamily) => kpx.applyRetries.inc({ ip_family: ipFamily }),
    countLeftoverCleanupFailure: (mode) => kpx.leftoverCleanupFailures.inc({ mode }),
    countRulesFlushed: (ipFamily) => kpx.rulesFlushed.inc({ ip_family: ipFamily }),
    forDataplane: (ipFamily) => ({
      countRestoreFailure: (restore) => metrics.countRestoreFailure(ipFamily, restore),
      setIptablesRules: (table, rules) => metrics.setIptablesRules(ipFamily, table, rules),
      countNftablesFailure: (step) => metrics.countNftablesFailure(ipFamily, step),
    }),
    observeRestRequest: (request) => observeRestRequest(rest, request),
    observeHealthcheck: (name, type, healthy) => slis.observeHealthcheck(name, type, healthy),
    async scrapeSlis() {
      return { contentType: slis.registry.contentType, body: await slis.registry.metrics() };
    },
    registerNfacctCounters(read) {
      for (const metric of nfacctMetrics(read)) registry.registerMetric(metric);
    },
  };
  return metrics;
}
