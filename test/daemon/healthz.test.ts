import { afterEach, describe, expect, it } from 'vitest';
import { startHealthzServer } from '@kpx/agent/daemon/healthz.ts';
import type { ListeningServer } from '@kpx/agent/daemon/http-listen.ts';
import { createProxyMetrics } from '@kpx/agent/daemon/metrics.ts';
import { createProxyHealthTracker, healthTimeoutForSyncPeriod, TO_BE_DELETED_TAINT } from '@kpx/agent/daemon/proxy-health.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';

const servers: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const SYNC_PERIOD_MS = 30_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 250);

async function setup() {
  let nowMs = T0;
  const clock = { now: () => nowMs };
  let node: RawObject | undefined = { metadata: { name: 'node-a' }, spec: {} };
  const tracker = createProxyHealthTracker({ healthTimeoutMs: healthTimeoutForSyncPeriod(SYNC_PERIOD_MS), clock });
  const metrics = createProxyMetrics({ mode: 'iptables', processMetrics: false, clock });
  const server = await startHealthzServer({
    host: '127.0.0.1',
    port: 0,
    tracker,
    clock,
    getNode: () => node,
    onProbe: (probe, code) => metrics.countHealthProbe(probe, code),
  });
  servers.push(server);
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  return {
    tracker,
    metrics,
    get,
    advance: (ms: number) => (nowMs += ms),
    setNode: (next: RawObject | undefined) => (node = next),
  };
}

describe('healthz server', () => {
  it('answers 200 → 503 once a change stays pending past 2 × syncPeriod → 200 after a sync, with kube-proxy bodies', async () => {
    const h = await setup();
    h.tracker.updated('IPv4'); // the sync loop starts
    let response = await h.get('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.body).toBe(
      '{"lastUpdated":"2026-01-01T12:00:00.25Z","currentTime":"2026-01-01T12:00:00.25Z","nodeEligible":true,"healthy":true,' +
        '"status":{"IPv4":{"lastUpdated":"2026-01-01T12:00:00.25Z","healthy":true}}}',
    );

    h.advance(750);
    h.tracker.queuedUpdate('IPv4');
    h.advance(2 * SYNC_PERIOD_MS - 1);
    expect((await h.get('/healthz')).status).toBe(200);
    expect((await h.get('/livez')).status).toBe(200);

    h.advance(1);
    response = await h.get('/healthz');
    expect(response.status).toBe(503);
    expect(response.body).toBe(
      '{"lastUpdated":"2026-01-01T12:00:00.25Z","currentTime":"2026-01-01T12:01:01Z","nodeEligible":true,"healthy":false,' +
        '"status":{"IPv4":{"lastUpdated":"2026-01-01T12:00:00.25Z","healthy":false}}}',
    );
    response = await h.get('/livez');
    expect(response.status).toBe(503);
    expect(response.body).toBe(
      '{"lastUpdated":"2026-01-01T12:00:00.25Z","currentTime":"2026-01-01T12:01:01Z","healthy":false,' +
        '"status":{"IPv4":{"lastUpdated":"2026-01-01T12:00:00.25Z","healthy":false}}}',
    );

    h.advance(500);
    h.tracker.updated('IPv4');
    response = await h.get('/healthz');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      lastUpdated: '2026-01-01T12:01:01.5Z',
      currentTime: '2026-01-01T12:01:01.5Z',
      nodeEligible: true,
      healthy: true,
      status: { IPv4: { lastUpdated: '2026-01-01T12:01:01.5Z', healthy: true } },
    });

    const counted = parsePrometheusText((await h.metrics.scrape()).body);
    expect(sampleValue(counted, 'kubeproxy_proxy_healthz_total', { code: '200' })).toBe(3);
    expect(sampleValue(counted, 'kubeproxy_proxy_healthz_total', { code: '503' })).toBe(1);
    expect(sampleValue(counted, 'kubeproxy_proxy_livez_total', { code: '200' })).toBe(1);
    expect(sampleValue(counted, 'kubeproxy_proxy_livez_total', { code: '503' })).toBe(1);
  });

  it('omits status before any family updated, as Go omits an empty map', async () => {
    const h = await setup();
    const response = await h.get('/livez');
    expect(response.status).toBe(200);
    expect(response.body).toBe('{"lastUpdated":"2026-01-01T12:00:00.25Z","currentTime":"2026-01-01T12:00:00.25Z","healthy":true}');
  });

  it.each([
    ['unknown', undefined],
    ['being deleted', { metadata: { name: 'node-a', deletionTimestamp: '2026-01-01T11:59:00Z' }, spec: {} }],
    ['tainted for deletion by the autoscaler', { metadata: { name: 'node-a' }, spec: { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] } }],
  ])('/healthz is 503 and /livez 200 when the node is %s', async (_label, node) => {
    const h = await setup();
    h.tracker.updated('IPv4');
    h.setNode(node);
    const healthz = await h.get('/healthz');
    expect(healthz.status).toBe(503);
    const body = JSON.parse(healthz.body) as Record<string, unknown>;
    expect(body).toMatchObject({ nodeEligible: false, healthy: true, lastUpdated: '2026-01-01T12:00:00.25Z' });
    expect((await h.get('/livez')).status).toBe(200);
    h.setNode({ metadata: { name: 'node-a' } });
    expect((await h.get('/healthz')).status).toBe(200);
  });

  it('answers 404 on other paths and accepts query strings', async () => {
    const h = await setup();
    expect((await h.get('/metrics')).status).toBe(404);
    expect((await h.get('/healthz/extra')).status).toBe(404);
    expect((await h.get('/healthz?x=1')).status).toBe(200);
  });
});
