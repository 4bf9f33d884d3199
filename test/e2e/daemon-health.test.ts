// `kpx run` as a process: healthz turning 503 while syncing is blocked (iptables-restore made
// to fail by a wrapper earlier on that process's PATH only) and 200 after recovery, /livez,
// /metrics scraped and parsed, the metrics port's other endpoints, and per-service
// health-check node ports. Needs root, iproute2 and iptables.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { makeEndpointSlice, makeNode, makeService } from '../helpers/k8s-builders.ts';
import { freePort } from '../daemon/free-port.ts';
import { parsePrometheusText, type MetricFamily } from '../daemon/prometheus-text.ts';
import { createTestNetns, spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const NODE = 'kpx-health-node';

function localService(name: string, clusterIP: string, healthCheckNodePort: number, nodePort: number): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.spec.type = 'LoadBalancer';
    svc.spec.clusterIP = clusterIP;
    svc.spec.clusterIPs = [clusterIP];
    svc.spec.externalTrafficPolicy = 'Local';
    svc.spec.healthCheckNodePort = healthCheckNodePort;
    svc.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort }];
  });
}

function slice(service: string, endpoints: readonly { ip: string; node: string }[]): RawObject {
  return makeEndpointSlice('ns1', `${service}-abc`, service, (s) => {
    s.endpoints = endpoints.map((endpoint) => ({ addresses: [endpoint.ip], nodeName: endpoint.node, conditions: { ready: true } }));
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
  });
}

async function get(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || performance.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sampleValue = (family: MetricFamily | undefined, name: string, labels: Record<string, string> = {}): number =>
  family?.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value ?? Number.NaN;

describeAsRoot('kpx run health and metrics', () => {
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let netns: Awaited<ReturnType<typeof createTestNetns>>;
  let daemon: DaemonProcess;
  let faultDir: string;
  let faultFlag: string;
  let healthz: string;
  let metrics: string;
  let healthPorts: { web: number; remote: number };

  beforeAll(async () => {
    api = await startApiServer();
    netns = await createTestNetns(`kpxh-${randomBytes(3).toString('hex')}`);
    // Wrappers for the restore tools, on this daemon's PATH only: they fail while the flag file exists.
    faultDir = await mkdtemp(path.join(tmpdir(), 'kpx-fault-'));
    faultFlag = path.join(faultDir, 'fail');
    for (const tool of ['iptables-nft-restore', 'iptables-legacy-restore']) {
      const wrapper = path.join(faultDir, tool);
      await writeFile(wrapper, `#!/bin/sh\nif [ -e '${faultFlag}' ]; then echo 'injected failure' >&2; exit 1; fi\nexec /usr/sbin/${tool} "$@"\n`);
      await chmod(wrapper, 0o755);
    }
    healthPorts = { web: await freePort(), remote: await freePort() };
    await api.create(makeNode(NODE, (node) => (node.status.addresses = [{ type: 'InternalIP', address: '10.250.0.10' }])));
    await api.create(localService('web', '10.96.0.10', healthPorts.web, 30080));
    await api.create(
      slice('web', [
        { ip: '10.244.1.10', node: NODE },
        { ip: '10.244.1.11', node: NODE },
        { ip: '10.244.2.10', node: 'other' },
      ]),
    );
    await api.create(localService('remote', '10.96.0.11', healthPorts.remote, 30081));
    await api.create(slice('remote', [{ ip: '10.244.2.11', node: 'other' }]));
    const healthzAddress = `127.0.0.1:${await freePort()}`;
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    healthz = `http://${healthzAddress}`;
    metrics = `http://${metricsAddress}`;
    daemon = spawnKpxRun(
      [
        '--master',
        api.url,
        '--hostname-override',
        NODE,
        '--netns',
        netns.name,
        '--cluster-cidr',
        '10.244.0.0/16',
        '--healthz-bind-address',
        healthzAddress,
        '--metrics-bind-address',
        metricsAddress,
        '--nodeport-addresses',
        '127.0.0.0/8',
        '--iptables-min-sync-period',
        '100ms',
        '--iptables-sync-period',
        '1s',
      ],
      { PATH: `${faultDir}:${process.env['PATH'] ?? ''}` },
    );
    await daemon.waitForLog((line: LogLine) => line.msg === 'sync done');
  });

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    await netns?.remove();
    await api?.stop();
    if (faultDir !== undefined) await rm(faultDir, { recursive: true, force: true });
  });

  it('answers /healthz and /livez 200, then 503 while restores fail, then 200 after recovery', async () => {
    const healthy = await get(`${healthz}/healthz`);
    expect(healthy.status).toBe(200);
    expect(healthy.headers.get('x-content-type-options')).toBe('nosniff');
    expect(JSON.parse(healthy.body)).toMatchObject({ nodeEligible: true, healthy: true, status: { IPv4: { healthy: true } } });
    expect((await get(`${healthz}/livez`)).status).toBe(200);

    await writeFile(faultFlag, '');
    const from = daemon.logs.length;
    await api.create(localService('late', '10.96.0.12', 0, 30082));
    await daemon.waitForLog((line) => line.msg === 'sync failed', { from });
    // Unhealthy once the change has waited 2 × syncPeriod (2 s).
    const failing = await waitFor(
      () => get(`${healthz}/healthz`),
      (answer) => answer.status === 503,
      6_000,
    );
    expect(failing.status).toBe(503);
    expect(JSON.parse(failing.body)).toMatchObject({ healthy: false, status: { IPv4: { healthy: false } } });
    expect((await get(`${healthz}/livez`)).status).toBe(503);

    const recoveryFrom = daemon.logs.length;
    await rm(faultFlag);
    const recovered = await waitFor(
      () => get(`${healthz}/healthz`),
      (answer) => answer.status === 200,
      6_000,
    );
    expect(recovered.status).toBe(200);
    // The sync after a failure rewrites everything.
    const retried = await daemon.waitForLog((line) => line.msg === 'sync done', { from: recoveryFrom });
    expect(retried).toMatchObject({ full: true, trigger: 'retry' });
    expect((await netns.iptablesSave()).includes('ns1/late:http')).toBe(true);

    const scraped = parsePrometheusText((await get(`${metrics}/metrics`)).body);
    const failures = scraped.get('kubeproxy_sync_proxy_rules_iptables_restore_failures_total');
    expect(failures?.type).toBe('counter');
    expect(sampleValue(failures, 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', { ip_family: 'IPv4' })).toBeGreaterThanOrEqual(1);
    const healthzTotal = scraped.get('kubeproxy_proxy_healthz_total');
    expect(sampleValue(healthzTotal, 'kubeproxy_proxy_healthz_total', { code: '503' })).toBeGreaterThanOrEqual(1);
  });

  it('serves /metrics with kube-proxy names and types, whose values move after a change', async () => {
    const before = parsePrometheusText((await get(`${metrics}/metrics`)).body);
    expect(before.get('kubeproxy_sync_proxy_rules_duration_seconds')?.type).toBe('histogram');
    expect(before.get('kubeproxy_network_programming_duration_seconds')?.type).toBe('histogram');
    expect(before.get('kubeproxy_sync_proxy_rules_last_timestamp_seconds')?.type).toBe('gauge');
    expect(before.get('kubeproxy_sync_proxy_rules_endpoint_changes_total')?.type).toBe('counter');
    expect(sampleValue(before.get('kpx_mode'), 'kpx_mode', { mode: 'iptables' })).toBe(1);
    expect(before.has('process_cpu_seconds_total')).toBe(true);
    const syncs = (families: Map<string, MetricFamily>): number =>
      sampleValue(families.get('kubeproxy_sync_partial_proxy_rules_duration_seconds'), 'kubeproxy_sync_partial_proxy_rules_duration_seconds_count', {
        ip_family: 'IPv4',
      }) || 0;
    const endpointChanges = (families: Map<string, MetricFamily>): number =>
      sampleValue(families.get('kubeproxy_sync_proxy_rules_endpoint_changes_total'), 'kubeproxy_sync_proxy_rules_endpoint_changes_total');
    const programmed = (families: Map<string, MetricFamily>): number =>
      sampleValue(families.get('kubeproxy_network_programming_duration_seconds'), 'kubeproxy_network_programming_duration_seconds_count', {
        ip_family: 'IPv4',
      });

    const from = daemon.logs.length;
    await api.update(
      slice('remote', [
        { ip: '10.244.2.11', node: 'other' },
        { ip: '10.244.2.12', node: 'other' },
      ]),
    );
    await daemon.waitForLog((line) => line.msg === 'sync done' && line['full'] === false && line['changed'] === 1, { from });
    const after = parsePrometheusText((await get(`${metrics}/metrics`)).body);
    expect(endpointChanges(after)).toBe(endpointChanges(before) + 1);
    expect(syncs(after)).toBeGreaterThan(syncs(before));
    expect(programmed(after)).toBeGreaterThan(programmed(before));
    const nat = sampleValue(after.get('kubeproxy_sync_proxy_rules_iptables_total'), 'kubeproxy_sync_proxy_rules_iptables_total', {
      ip_family: 'IPv4',
      table: 'nat',
    });
    expect(nat).toBeGreaterThan(10);
  });

  it('logs and counts an invalid object once per version, and syncs the rest', async () => {
    const from = daemon.logs.length;
    await api.create(
      makeService('ns1', 'broken', (svc) => {
        svc.spec.clusterIP = '10.96.0.13';
        svc.spec.clusterIPs = ['10.96.0.13'];
        svc.spec.externalIPs = ['not-an-ip'];
        svc.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }];
      }),
    );
    await daemon.waitForLog((line) => line.msg === 'invalid object skipped' && line['name'] === 'broken', { from });
    await api.create(localService('after', '10.96.0.14', 0, 30084));
    await daemon.waitForLog((line) => line.msg === 'sync done' && line['changed'] === 1, { from });
    const skipped = daemon.logs.slice(from).filter((line) => line.msg === 'invalid object skipped' && line['name'] === 'broken');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ kind: 'Service', namespace: 'ns1', field: expect.stringContaining('externalIPs') as unknown });
    const save = await netns.iptablesSave();
    expect(save.includes('ns1/broken')).toBe(false);
    expect(save.includes('ns1/after:http')).toBe(true);
    const scraped = parsePrometheusText((await get(`${metrics}/metrics`)).body);
    expect(sampleValue(scraped.get('kpx_invalid_objects_skipped_total'), 'kpx_invalid_objects_skipped_total', { kind: 'Service' })).toBe(1);
  });

  it('serves /proxyMode, /configz and /healthz on the metrics port', async () => {
    expect((await get(`${metrics}/proxyMode`)).body).toBe('iptables');
    const configz = JSON.parse((await get(`${metrics}/configz`)).body) as Record<string, Record<string, unknown>>;
    expect(configz['kubeproxy.config.k8s.io']).toMatchObject({
      kind: 'KubeProxyConfiguration',
      hostnameOverride: NODE,
      clusterCIDR: '10.244.0.0/16',
      iptables: { syncPeriod: '1s', minSyncPeriod: '100ms' },
    });
    expect((await get(`${metrics}/healthz`)).body).toBe('ok');
  });

  it('answers each Local service’s health-check node port by its local endpoints', async () => {
    const web = await waitFor(
      () => get(`http://127.0.0.1:${healthPorts.web}/`),
      (answer) => answer.status === 200,
      5_000,
    );
    expect(web.status).toBe(200);
    expect(web.headers.get('x-load-balancing-endpoint-weight')).toBe('2');
    expect(JSON.parse(web.body)).toEqual({ service: { namespace: 'ns1', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true });
    const remote = await get(`http://127.0.0.1:${healthPorts.remote}/`);
    expect(remote.status).toBe(503);
    expect(JSON.parse(remote.body)).toMatchObject({ localEndpoints: 0 });

    const from = daemon.logs.length;
    await api.remove('Service', 'ns1', 'remote');
    await daemon.waitForLog((line) => line.msg === 'sync done' && line['deleted'] === 1, { from });
    await expect(fetch(`http://127.0.0.1:${healthPorts.remote}/`)).rejects.toThrow();
  });
});
