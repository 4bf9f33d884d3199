import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeClient } from '@kpx/agent/watch/kube-client.ts';
import type { ListeningServer } from '@kpx/agent/daemon/http-listen.ts';
import { exponentialBuckets } from 'prom-client';
import { createProxyMetrics, NETWORK_PROGRAMMING_BUCKETS, type ProxyMetrics } from '@kpx/agent/daemon/metrics.ts';
import { CONFIGZ_GROUP, startMetricsServer } from '@kpx/agent/daemon/metrics-server.ts';
import type { ModeName } from '@kpx/agent/modes/mode.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import { nftablesMode } from '@kpx/agent/modes/nftables/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import { recordingExec } from '../helpers/recording-exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../helpers/state-builders.ts';
import { parsePrometheusText, sampleValue, type MetricFamily } from './prometheus-text.ts';

const servers: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

let wallClockMs = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = { now: () => wallClockMs };

async function serve(mode: ModeName, getConfig: () => unknown = () => ({})) {
  const metrics = createProxyMetrics({ mode, clock });
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, proxyMode: mode, getConfig });
  servers.push(server);
  const base = `http://127.0.0.1:${server.port}`;
  return { metrics, server, base };
}

async function scrape(base: string): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await response.text());
}

/** The `le` bounds of a histogram family, +Inf excluded, in exposition order. */
function bucketBounds(family: MetricFamily | undefined, labels: Record<string, string>): number[] {
  if (family === undefined) return [];
  return family.samples
    .filter((s) => s.name === `${family.name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => Number(s.labels['le']))
    .filter((le) => Number.isFinite(le));
}

const CORE: [string, string, string][] = [
  ['kubeproxy_sync_proxy_rules_duration_seconds', 'histogram', '[ALPHA] SyncProxyRules latency in seconds'],
  ['kubeproxy_sync_proxy_rules_last_timestamp_seconds', 'gauge', '[ALPHA] The last time proxy rules were successfully synced'],
  ['kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', 'gauge', '[ALPHA] The last time a sync of proxy rules was queued'],
  ['kubeproxy_network_programming_duration_seconds', 'histogram', '[ALPHA] In Cluster Network Programming Latency in seconds'],
  ['kubeproxy_sync_proxy_rules_endpoint_changes_pending', 'gauge', '[ALPHA] Pending proxy rules Endpoint changes'],
  ['kubeproxy_sync_proxy_rules_endpoint_changes_total', 'counter', '[ALPHA] Cumulative proxy rules Endpoint changes'],
  ['kubeproxy_sync_proxy_rules_service_changes_pending', 'gauge', '[ALPHA] Pending proxy rules Service changes'],
  ['kubeproxy_sync_proxy_rules_service_changes_total', 'counter', '[ALPHA] Cumulative proxy rules Service changes'],
  ['kubeproxy_proxy_healthz_total', 'counter', '[ALPHA] Cumulative proxy healthz HTTP status'],
  ['kubeproxy_proxy_livez_total', 'counter', '[ALPHA] Cumulative proxy livez HTTP status'],
  ['kubeproxy_sync_proxy_rules_no_local_endpoints_total', 'gauge', '[ALPHA] Number of services with a Local traffic policy and no endpoints'],
  ['kubeproxy_conntrack_reconciler_sync_duration_seconds', 'histogram', '[ALPHA] ReconcileConntrackFlowsLatency latency in seconds'],
  ['kubeproxy_conntrack_reconciler_deleted_entries_total', 'counter', '[ALPHA] Cumulative conntrack flows deleted by conntrack reconciler'],
];

const IPTABLES_ONLY: [string, string, string][] = [
  ['kubeproxy_sync_full_proxy_rules_duration_seconds', 'histogram', '[ALPHA] SyncProxyRules latency in seconds for full resyncs'],
  ['kubeproxy_sync_partial_proxy_rules_duration_seconds', 'histogram', '[ALPHA] SyncProxyRules latency in seconds for partial resyncs'],
  ['kubeproxy_sync_proxy_rules_iptables_restore_failures_total', 'counter', '[ALPHA] Cumulative proxy iptables restore failures'],
  ['kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', 'counter', '[ALPHA] Cumulative proxy iptables partial restore failures'],
  ['kubeproxy_sync_proxy_rules_iptables_total', 'gauge', '[ALPHA] Total number of iptables rules owned by kube-proxy'],
  ['kubeproxy_sync_proxy_rules_iptables_last', 'gauge', '[ALPHA] Number of iptables rules written by kube-proxy in last sync'],
];

const NFTABLES_ONLY: [string, string, string][] = [
  ['kubeproxy_sync_full_proxy_rules_duration_seconds', 'histogram', '[ALPHA] SyncProxyRules latency in seconds for full resyncs'],
  ['kubeproxy_sync_partial_proxy_rules_duration_seconds', 'histogram', '[ALPHA] SyncProxyRules latency in seconds for partial resyncs'],
  ['kubeproxy_sync_proxy_rules_nftables_sync_failures_total', 'counter', '[ALPHA] Cumulative proxy nftables sync failures'],
  ['kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total', 'counter', '[ALPHA] Cumulative proxy nftables cleanup failures'],
];

const KPX: [string, string][] = [
  ['kpx_mode', 'gauge'],
  ['kpx_build_info', 'gauge'],
  ['kpx_watch_restarts_total', 'counter'],
  ['kpx_watch_decode_errors_total', 'counter'],
  ['kpx_invalid_objects_skipped_total', 'counter'],
  ['kpx_apply_retries_total', 'counter'],
];

function exercise(metrics: ProxyMetrics): void {
  metrics.observeSync('IPv4', { full: true, durationSeconds: 0.003 });
  metrics.observeSync('IPv4', { full: false, durationSeconds: 0.0007 });
  metrics.markQueued('IPv4');
  wallClockMs += 1500;
  metrics.markSynced('IPv4');
  metrics.observeNetworkProgramming('IPv4', 0.3);
  metrics.setChangesPending({ services: 2, endpoints: 5 });
  metrics.countChanges({ services: 3, endpoints: 7 });
  metrics.countRestoreFailure('IPv4', { partial: true });
  metrics.countRestoreFailure('IPv4', { partial: false });
  metrics.setIptablesRules('IPv4', 'nat', { total: 120, lastSync: 14 });
  metrics.setNoLocalEndpoints('IPv4', { internal: 1, external: 2 });
  metrics.observeConntrackReconcile('IPv4', { durationSeconds: 0.01, deletedEntries: 3 });
  metrics.countHealthProbe('healthz', 200);
  metrics.countHealthProbe('healthz', 503);
  metrics.countHealthProbe('livez', 200);
  metrics.countWatchRestart('services');
  metrics.countWatchDecodeError('endpointslices', 'wrong-kind');
  metrics.countInvalidObjectsSkipped('Service', 2);
  metrics.countApplyRetry('IPv4');
}

describe('metrics over HTTP', () => {
  it('exposes every kube-proxy metric of iptables mode with its upstream type and help, plus kpx and process metrics', async () => {
    const { base } = await serve('iptables');
    const families = await scrape(base);
    for (const [name, type, help] of [...CORE, ...IPTABLES_ONLY]) {
      expect({ name, type: families.get(name)?.type, help: families.get(name)?.help }).toEqual({ name, type, help });
    }
    for (const [name, type] of KPX) expect(families.get(name)?.type).toBe(type);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_start_time_seconds')?.type).toBe('gauge');
    expect(sampleValue(families, 'kpx_mode', { mode: 'iptables' })).toBe(1);
    expect(
      sampleValue(families, 'kpx_build_info', {
        major: '0',
        minor: '1',
        git_version: 'v0.1.0',
        kube_proxy_version: 'v1.34',
        runtime_version: process.version,
        platform: `${process.platform}/${process.arch}`,
      }),
    ).toBe(1);
  });

  it('registers only what upstream registers for the mode', async () => {
    const ipvs = await scrape((await serve('ipvs')).base);
    expect(ipvs.has('kubeproxy_sync_proxy_rules_iptables_restore_failures_total')).toBe(true);
    expect(ipvs.has('kubeproxy_sync_full_proxy_rules_duration_seconds')).toBe(false);
    expect(ipvs.has('kubeproxy_sync_proxy_rules_iptables_total')).toBe(false);
    const nft = await scrape((await serve('nftables')).base);
    expect(nft.has('kubeproxy_sync_partial_proxy_rules_duration_seconds')).toBe(true);
    expect(nft.has('kubeproxy_sync_proxy_rules_nftables_sync_failures_total')).toBe(true);
    expect(nft.has('kubeproxy_sync_proxy_rules_iptables_restore_failures_total')).toBe(false);
    expect(sampleValue(nft, 'kpx_mode', { mode: 'nftables' })).toBe(1);
  });

  it("hands each dataplane a handle bound to its family, counting under the mode's own names", async () => {
    const nftables = await serve('nftables');
    nftables.metrics.forDataplane('IPv6').countNftablesFailure('sync');
    const nft = await scrape(nftables.base);
    expect(sampleValue(nft, 'kubeproxy_sync_proxy_rules_nftables_sync_failures_total', { ip_family: 'IPv6' })).toBe(1);
    expect(sampleValue(nft, 'kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total', { ip_family: 'IPv6' })).toBeUndefined();
    const iptables = await serve('iptables');
    const handle = iptables.metrics.forDataplane('IPv6');
    handle.countRestoreFailure({ partial: true });
    handle.setIptablesRules('filter', { total: 9, lastSync: 4 });
    const ipt = await scrape(iptables.base);
    expect(sampleValue(ipt, 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', { ip_family: 'IPv6' })).toBe(1);
    expect(sampleValue(ipt, 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', { ip_family: 'IPv6' })).toBe(1);
    expect(sampleValue(ipt, 'kubeproxy_sync_proxy_rules_iptables_total', { ip_family: 'IPv6', table: 'filter' })).toBe(9);
    expect(sampleValue(ipt, 'kubeproxy_sync_proxy_rules_iptables_last', { ip_family: 'IPv6', table: 'filter' })).toBe(4);
  });

  it("counts an nftables dataplane's rejected transactions and failed cleanup under upstream's names, types, help and ip_family label", async () => {
    const { metrics, base } = await serve('nftables');
    const before = await scrape(base);
    for (const [name, type, help] of [...CORE, ...NFTABLES_ONLY]) {
      expect({ name, type: before.get(name)?.type, help: before.get(name)?.help }).toEqual({ name, type, help });
    }
    for (const [name] of IPTABLES_ONLY.slice(2)) expect(before.has(name)).toBe(false);
    const recorder = recordingExec((request) =>
      request.args[0] === '-f' || request.args[0] === 'delete'
        ? { exitCode: 1, stderr: 'Error: Could not process rule: Operation not permitted\n' }
        : undefined,
    );
    const dataplane = nftablesMode.open({ exec: recorder.exec, clock, log: silentLogger(), metrics: metrics.forDataplane('IPv4') }, dataplaneSettings({}));
    const state = makeState([makeServicePort('ns', 'web', 'http', (sp) => void sp.endpoints.push(makeEndpoint('10.244.1.2', 8080)))]);
    for (let attempt = 0; attempt < 2; attempt++) await expect(dataplane.apply(nftablesMode.plan(state, {}))).rejects.toMatchObject({ code: 'KPX_ERR_NFT' });
    await expect(dataplane.cleanup()).rejects.toMatchObject({ code: 'KPX_ERR_NFT' });
    const after = await scrape(base);
    expect(sampleValue(after, 'kubeproxy_sync_proxy_rules_nftables_sync_failures_total', { ip_family: 'IPv4' })).toBe(2);
    expect(sampleValue(after, 'kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total', { ip_family: 'IPv4' })).toBe(1);
    expect(after.get('kubeproxy_sync_proxy_rules_nftables_sync_failures_total')?.samples.map((sample) => sample.labels)).toEqual([{ ip_family: 'IPv4' }]);
  });

  it('uses upstream buckets: exponential 1ms×2^n for syncs, the merged 0…300s set for programming latency', async () => {
    const { metrics, base } = await serve('iptables');
    exercise(metrics);
    const families = await scrape(base);
    const syncBounds = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];
    expect(bucketBounds(families.get('kubeproxy_sync_proxy_rules_duration_seconds'), { ip_family: 'IPv4' })).toEqual(syncBounds);
    expect(exponentialBuckets(0.001, 2, 15)).toEqual(syncBounds);
    const programming = bucketBounds(families.get('kubeproxy_network_programming_duration_seconds'), { ip_family: 'IPv4' });
    expect(programming).toEqual(NETWORK_PROGRAMMING_BUCKETS);
    expect(programming.slice(0, 5)).toEqual([0, 0.25, 0.5, 1, 2]);
    expect(programming).toHaveLength(81);
    expect(programming.slice(60, 64)).toEqual([58, 59, 60, 65]);
    expect(programming.slice(-8)).toEqual([115, 120, 150, 180, 210, 240, 270, 300]);
  });

  it('moves the values the facade is told about', async () => {
    const { metrics, base } = await serve('iptables');
    const before = await scrape(base);
    expect(sampleValue(before, 'kubeproxy_sync_proxy_rules_duration_seconds_count', { ip_family: 'IPv4' })).toBeUndefined();
    expect(sampleValue(before, 'kubeproxy_sync_proxy_rules_service_changes_total')).toBe(0);
    const queuedAt = wallClockMs;
    exercise(metrics);
    const f = await scrape(base);
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(f, name, labels);
    const v4 = { ip_family: 'IPv4' };
    expect(v('kubeproxy_sync_proxy_rules_duration_seconds_count', v4)).toBe(2);
    expect(v('kubeproxy_sync_proxy_rules_duration_seconds_bucket', { ...v4, le: '0.001' })).toBe(1);
    expect(v('kubeproxy_sync_proxy_rules_duration_seconds_bucket', { ...v4, le: '0.004' })).toBe(2);
    expect(v('kubeproxy_sync_full_proxy_rules_duration_seconds_count', v4)).toBe(1);
    expect(v('kubeproxy_sync_partial_proxy_rules_duration_seconds_count', v4)).toBe(1);
    expect(v('kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', v4)).toBe(queuedAt / 1000);
    expect(v('kubeproxy_sync_proxy_rules_last_timestamp_seconds', v4)).toBe((queuedAt + 1500) / 1000);
    expect(v('kubeproxy_network_programming_duration_seconds_bucket', { ...v4, le: '0.25' })).toBe(0);
    expect(v('kubeproxy_network_programming_duration_seconds_bucket', { ...v4, le: '0.5' })).toBe(1);
    expect(v('kubeproxy_sync_proxy_rules_service_changes_pending')).toBe(2);
    expect(v('kubeproxy_sync_proxy_rules_endpoint_changes_pending')).toBe(5);
    expect(v('kubeproxy_sync_proxy_rules_service_changes_total')).toBe(3);
    expect(v('kubeproxy_sync_proxy_rules_endpoint_changes_total')).toBe(7);
    expect(v('kubeproxy_sync_proxy_rules_iptables_restore_failures_total', v4)).toBe(2);
    expect(v('kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', v4)).toBe(1);
    expect(v('kubeproxy_sync_proxy_rules_iptables_total', { ...v4, table: 'nat' })).toBe(120);
    expect(v('kubeproxy_sync_proxy_rules_iptables_last', { ...v4, table: 'nat' })).toBe(14);
    expect(v('kubeproxy_sync_proxy_rules_no_local_endpoints_total', { ...v4, traffic_policy: 'internal' })).toBe(1);
    expect(v('kubeproxy_sync_proxy_rules_no_local_endpoints_total', { ...v4, traffic_policy: 'external' })).toBe(2);
    expect(v('kubeproxy_conntrack_reconciler_deleted_entries_total', v4)).toBe(3);
    expect(v('kubeproxy_conntrack_reconciler_sync_duration_seconds_count', v4)).toBe(1);
    expect(v('kubeproxy_proxy_healthz_total', { code: '200' })).toBe(1);
    expect(v('kubeproxy_proxy_healthz_total', { code: '503' })).toBe(1);
    expect(v('kubeproxy_proxy_livez_total', { code: '200' })).toBe(1);
    expect(v('kpx_watch_restarts_total', { resource: 'services' })).toBe(1);
    expect(v('kpx_watch_decode_errors_total', { resource: 'endpointslices', reason: 'wrong-kind' })).toBe(1);
    expect(v('kpx_invalid_objects_skipped_total', { kind: 'Service' })).toBe(2);
    expect(v('kpx_apply_retries_total', v4)).toBe(1);
  });
});

describe('metrics port side endpoints', () => {
  it('serves /proxyMode, /healthz, /healthz/ping, /configz and 404 elsewhere, as kube-proxy does', async () => {
    const config = { mode: 'ipvs', syncPeriod: '30s', ipvs: { scheduler: 'rr' } };
    const { base } = await serve('ipvs', () => config);

    const mode = await fetch(`${base}/proxyMode`);
    expect(mode.status).toBe(200);
    expect(mode.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(mode.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await mode.text()).toBe('ipvs');

    const healthz = await fetch(`${base}/healthz`);
    expect([healthz.status, await healthz.text()]).toEqual([200, 'ok']);
    const verbose = await fetch(`${base}/healthz?verbose`);
    expect(await verbose.text()).toBe('[+]ping ok\nhealthz check passed\n');
    expect(await (await fetch(`${base}/healthz/ping`)).text()).toBe('ok');

    const configz = await fetch(`${base}/configz`);
    expect(configz.headers.get('content-type')).toBe('application/json');
    expect(await configz.json()).toEqual({ [CONFIGZ_GROUP]: config });
    expect(CONFIGZ_GROUP).toBe('kubeproxy.config.k8s.io');

    const missing = await fetch(`${base}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, '404 page not found\n']);
  });

  it('refuses to start on a port already taken, with a clear error', async () => {
    const { server } = await serve('iptables');
    const metrics = createProxyMetrics({ mode: 'iptables', processMetrics: false });
    await expect(startMetricsServer({ host: '127.0.0.1', port: server.port, metrics, proxyMode: 'iptables', getConfig: () => ({}) })).rejects.toMatchObject({
      code: 'KPX_ERR_CONFIG',
      message: `cannot listen on 127.0.0.1:${server.port}`,
    });
  });
});

describe('/metrics/slis (component-base SLI metrics)', () => {
  it('records each run of the ping check behind /healthz, in a registry of its own', async () => {
    const { base } = await serve('iptables');
    const before = parsePrometheusText(await (await fetch(`${base}/metrics/slis`)).text());
    expect(sampleValue(before, 'kubernetes_healthcheck', { name: 'ping', type: 'healthz' })).toBeUndefined();
    await (await fetch(`${base}/healthz`)).text();
    await (await fetch(`${base}/healthz/ping`)).text();
    const response = await fetch(`${base}/metrics/slis`);
    expect(response.status).toBe(200);
    const slis = parsePrometheusText(await response.text());
    expect(slis.get('kubernetes_healthcheck')?.help).toBe('[STABLE] This metric records the result of a single healthcheck.');
    expect(sampleValue(slis, 'kubernetes_healthcheck', { name: 'ping', type: 'healthz' })).toBe(1);
    expect(sampleValue(slis, 'kubernetes_healthchecks_total', { name: 'ping', type: 'healthz', status: 'success' })).toBe(2);
    // Not on /metrics, as upstream.
    expect((await scrape(base)).has('kubernetes_healthcheck')).toBe(false);
  });
});

describe('rest_client_* (client-go) for kpx API calls', () => {
  it('counts each request by code, host and method, and times those answered', async () => {
    const { metrics, base } = await serve('iptables');
    const api = createServer((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(api.address() as AddressInfo).port}`;
    try {
      const client = createKubeClient({ masterUrl: `http://${host}`, onRequest: (request) => metrics.observeRestRequest(request) });
      for (let i = 0; i < 2; i++) (await client.get('/api/v1/services', new AbortController().signal)).resume();
      const refused = createKubeClient({ masterUrl: 'http://127.0.0.1:9', onRequest: (request) => metrics.observeRestRequest(request) });
      await expect(refused.get('/api/v1/services', new AbortController().signal)).rejects.toThrow();
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
    const families = await scrape(base);
    expect(families.get('rest_client_requests_total')?.help).toBe('[ALPHA] Number of HTTP requests, partitioned by status code, method, and host.');
    expect(sampleValue(families, 'rest_client_requests_total', { code: '404', host, method: 'GET' })).toBe(2);
    expect(sampleValue(families, 'rest_client_requests_total', { code: '<error>', host: '127.0.0.1:9', method: 'GET' })).toBe(1);
    expect(sampleValue(families, 'rest_client_request_duration_seconds_count', { verb: 'GET', host })).toBe(2);
    expect(sampleValue(families, 'rest_client_request_duration_seconds_count', { verb: 'GET', host: '127.0.0.1:9' })).toBeUndefined();
    expect(bucketBounds(families.get('rest_client_request_duration_seconds'), { verb: 'GET', host })).toEqual([
      0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60,
    ]);
  });
});

describe('nfacct counters (iptables mode, where they exist)', () => {
  it('are absent until registered, then read from the kernel at each scrape', async () => {
    const { metrics, base } = await serve('iptables');
    expect((await scrape(base)).has('kubeproxy_iptables_ct_state_invalid_dropped_packets_total')).toBe(false);
    let invalid = 3;
    let reads = 0;
    metrics.registerNfacctCounters(async () => {
      reads += 1;
      // As the kernel lists them: names cut to 31 bytes.
      return new Map([
        ['ct_state_invalid_dropped_pkts', invalid],
        ['localhost_nodeports_accepted_pk', 7],
      ]);
    });
    let families = await scrape(base);
    expect(families.get('kubeproxy_iptables_ct_state_invalid_dropped_packets_total')).toMatchObject({
      type: 'counter',
      help: '[ALPHA] packets dropped by iptables to work around conntrack problems',
    });
    expect(sampleValue(families, 'kubeproxy_iptables_ct_state_invalid_dropped_packets_total')).toBe(3);
    expect(sampleValue(families, 'kubeproxy_iptables_localhost_nodeports_accepted_packets_total')).toBe(7);
    expect(reads).toBe(1);
    invalid = 5;
    await new Promise((resolve) => setImmediate(resolve));
    families = await scrape(base);
    expect(sampleValue(families, 'kubeproxy_iptables_ct_state_invalid_dropped_packets_total')).toBe(5);
  });
});
