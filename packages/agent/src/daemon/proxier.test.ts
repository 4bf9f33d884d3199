// The proxier's sync rules with a recording dataplane and a controlled clock: full at start,
// partial for a change and on the periodic syncs, full again after a failure, after a
// requested one (a detected flush) and once the FullSyncPeriod has passed, nothing applied
// when nothing changed; health and programming latency follow.
import { describe, expect, it } from 'vitest';
import type { ChangeSet } from '../diff/change-set.ts';
import { silentLogger } from '../log.ts';
import type { RawObject } from '../model/inputs.ts';
import type { DesiredState } from '../model/types.ts';
import type { Dataplane, Mode } from '../modes/mode.ts';
import type { Exec } from '../sys/exec.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { defaultModelConfig, makeEndpointSlice, makeService } from '../../../../test/helpers/k8s-builders.ts';
import { parsePrometheusText } from '../../../../test/daemon/prometheus-text.ts';
import { createProxyMetrics } from './metrics.ts';
import { createProxier, FULL_SYNC_PERIOD_MS } from './proxier.ts';
import { createProxyHealthTracker } from './proxy-health.ts';
import type { ServiceHealthServers } from './service-health-servers.ts';
import type { SyncTrigger } from './sync-runner.ts';

interface Plan {
  readonly full: boolean;
  readonly changed: readonly string[];
  readonly periodic?: true;
}

function service(name: string, version: string, clusterIP: string): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.metadata.uid = `uid-${name}`;
    svc.metadata.resourceVersion = version;
    svc.spec.clusterIP = clusterIP;
    svc.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }];
  });
}

function slice(name: string, version: string, ips: readonly string[]): RawObject {
  return makeEndpointSlice('ns1', `${name}-1`, name, (s) => {
    s.metadata.uid = `uid-slice-${name}`;
    s.metadata.resourceVersion = version;
    s.endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
  });
}

const trigger = (fields: Partial<SyncTrigger> = {}): SyncTrigger => ({ requested: true, periodic: false, retry: false, consecutiveFailures: 0, ...fields });

function setUp(readLocalAddresses?: () => Promise<readonly string[] | undefined>) {
  let now = 1_000_000;
  const planned: DesiredState[] = [];
  const clock = { now: () => now };
  const applied: Plan[] = [];
  let failNext = false;
  const mode: Mode<Plan, Record<string, never>> = {
    name: 'iptables',
    optionsFromConfig: () => ({}),
    plan: (state: DesiredState, _options, changed?: ChangeSet): Plan => {
      planned.push(state);
      return {
        full: changed === undefined,
        changed: changed === undefined ? [] : [...changed.changed],
        ...(changed?.periodic === true ? { periodic: true as const } : {}),
      };
    },
    format: () => '',
    open: () => dataplane,
    writes: ['iptables'],
    hasStateApartFromKubeProxy: false,
    cleanupLeftovers: async () => ({ removed: {}, failures: [] }),
  };
  const dataplane: Dataplane<Plan> = {
    setup: async () => undefined,
    apply: async (plan) => {
      if (failNext) {
        failNext = false;
        throw new Error('restore failed');
      }
      applied.push(plan);
      return { full: plan.full, toolMs: 1, figures: {} };
    },
    observe: async () => ({ text: '' }),
    cleanup: async () => undefined,
    close: async () => undefined,
  };
  const serviceHealth: ServiceHealthServers = {
    sync: async () => ({ opened: 0, closed: 0, failed: [] }),
    ports: () => new Map(),
    close: async () => undefined,
  };
  const noConntrack: Exec = async () => ({ exitCode: 0, stdout: '', stderr: '', durationMs: 0 });
  const metrics = createProxyMetrics({ mode: 'iptables', clock, processMetrics: false });
  const tracker = createProxyHealthTracker({ healthTimeoutMs: 60_000, clock });
  tracker.updated('IPv4');
  const proxier = createProxier({
    mode,
    modeOptions: {},
    dataplane,
    modelConfig: defaultModelConfig(),
    metrics,
    tracker,
    serviceHealth,
    conntrackExec: noConntrack,
    log: silentLogger(),
    clock,
    monotonicNow: () => now,
    ...(readLocalAddresses === undefined ? {} : { readLocalAddresses }),
  });
  let generation = 0;
  const feed = (services: RawObject[], slices: RawObject[], pendingSince: Map<string, number> = new Map()): void => {
    generation += 1;
    const snapshot: Snapshot = { services, endpointSlices: slices, node: undefined, pendingSince, generation };
    proxier.acceptSnapshot(snapshot);
  };
  return {
    proxier,
    applied,
    planned,
    metrics,
    tracker,
    feed,
    advance: (ms: number) => (now += ms),
    failNextApply: () => (failNext = true),
    now: () => now,
  };
}

describe('proxier: interface addresses for node ports', () => {
  it('reads them before each full sync only, keeping the last ones when a read fails', async () => {
    const reads: (readonly string[] | undefined)[] = [['192.168.0.2', '10.1.0.7'], undefined, ['192.168.0.2']];
    let calls = 0;
    const { proxier, planned, feed, advance } = setUp(async () => reads[calls++]);
    feed([service('a', '1', '10.96.0.1')], []);
    await proxier.sync(trigger());
    feed([service('a', '2', '10.96.0.2')], []);
    advance(1_000);
    await proxier.sync(trigger());
    expect(calls).toBe(1);
    await proxier.sync(trigger({ periodic: true, requested: false }));
    await proxier.sync(trigger({ periodic: true, requested: false }));
    expect(calls).toBe(3);
    expect(planned.map((state) => state.node.localAddresses)).toEqual([
      ['192.168.0.2', '10.1.0.7'],
      ['192.168.0.2', '10.1.0.7'],
      ['192.168.0.2', '10.1.0.7'],
      ['192.168.0.2'],
    ]);
  });
});

describe('proxier', () => {
  it('does nothing before the first snapshot (the synced gate)', async () => {
    const { proxier, applied } = setUp();
    await proxier.sync(trigger());
    expect(applied).toEqual([]);
    expect(proxier.hasSynced).toBe(false);
  });

  it('syncs fully first, then partially for a one-service change, and skips an apply when nothing changed', async () => {
    const { proxier, applied, feed, advance } = setUp();
    feed([service('a', '1', '10.96.0.1'), service('b', '1', '10.96.0.2')], [slice('a', '1', ['10.0.0.1'])]);
    await proxier.sync(trigger());
    feed([service('a', '1', '10.96.0.1'), service('b', '1', '10.96.0.2')], [slice('a', '2', ['10.0.0.1', '10.0.0.2'])]);
    advance(1_000);
    await proxier.sync(trigger());
    advance(1_000);
    await proxier.sync(trigger());
    expect(applied).toEqual([
      { full: true, changed: [] },
      { full: false, changed: ['ns1/a:http'] },
    ]);
  });

  it('retries with a full plan of the newest state after a failed apply, keeping nothing half-applied', async () => {
    const { proxier, applied, feed, failNextApply, advance, tracker } = setUp();
    feed([service('a', '1', '10.96.0.1')], []);
    await proxier.sync(trigger());
    feed([service('a', '2', '10.96.0.9')], []);
    failNextApply();
    await expect(proxier.sync(trigger())).rejects.toThrow('restore failed');
    advance(61_000);
    expect(tracker.health().healthy).toBe(false);
    await proxier.sync(trigger({ retry: true, requested: false, consecutiveFailures: 1 }));
    expect(applied.map((plan) => plan.full)).toEqual([true, true]);
    expect(tracker.health().healthy).toBe(true);
  });

  it('keeps periodic syncs partial, and makes a sync full once the FullSyncPeriod (1 h) has passed', async () => {
    const { proxier, applied, feed, advance } = setUp();
    feed([service('a', '1', '10.96.0.1')], []);
    await proxier.sync(trigger());
    feed([service('a', '2', '10.96.0.2')], []);
    advance(31_000);
    await proxier.sync(trigger({ requested: false, periodic: true }));
    // Nothing changed: a periodic sync still applies (upstream rewrites its top-level chains), partially.
    advance(30_000);
    await proxier.sync(trigger({ requested: false, periodic: true }));
    // Nothing changed and not periodic: nothing to apply.
    await proxier.sync(trigger());
    feed([service('a', '3', '10.96.0.3')], []);
    advance(FULL_SYNC_PERIOD_MS);
    await proxier.sync(trigger({ requested: false, periodic: true }));
    expect(applied).toEqual([
      { full: true, changed: [] },
      { full: false, changed: ['ns1/a:http'], periodic: true },
      { full: false, changed: [], periodic: true },
      { full: true, changed: [] },
    ]);
  });

  it('makes the next sync full on request (a detected flush), and serves a request made during a sync', async () => {
    const { proxier, applied, feed, failNextApply } = setUp();
    feed([service('a', '1', '10.96.0.1')], []);
    await proxier.sync(trigger());
    expect(proxier.awaitsFlushRepair).toBe(false);
    proxier.requestFullSync('flush');
    expect(proxier.awaitsFlushRepair).toBe(true);
    // A request made while that full sync runs still needs one more after it.
    const running = proxier.sync(trigger());
    proxier.requestFullSync('flush');
    await running;
    expect(proxier.awaitsFlushRepair).toBe(true);
    await proxier.sync(trigger());
    await proxier.sync(trigger());
    expect(applied.map((plan) => plan.full)).toEqual([true, true, true]);
    expect(proxier.awaitsFlushRepair).toBe(false);
    // A full sync due after a failure is no flush repair (the flush watch keeps checking).
    feed([service('a', '2', '10.96.0.2')], []);
    failNextApply();
    await expect(proxier.sync(trigger())).rejects.toThrow('restore failed');
    expect(proxier.awaitsFlushRepair).toBe(false);
  });

  it('observes network programming latency from the snapshot times and counts changes', async () => {
    const { proxier, feed, advance, metrics, now } = setUp();
    feed([service('a', '1', '10.96.0.1')], [], new Map([['ns1/a', now()]]));
    advance(2_500);
    await proxier.sync(trigger());
    const families = parsePrometheusText((await metrics.scrape()).body);
    const programming = families.get('kubeproxy_network_programming_duration_seconds');
    expect(programming?.samples.find((sample) => sample.name.endsWith('_sum'))?.value).toBeCloseTo(2.5);
    expect(families.get('kubeproxy_sync_proxy_rules_service_changes_total')?.samples[0]?.value).toBe(1);
    expect(families.get('kubeproxy_sync_proxy_rules_service_changes_pending')?.samples[0]?.value).toBe(0);
  });
});
