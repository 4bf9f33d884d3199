import { describe, expect, it } from 'vitest';
import type { Problem } from '../model/types.ts';
import { composeProxiers, composeRunners, familyReportsProblem, shareServiceHealth } from './dual-stack-proxier.ts';
import type { Proxier } from './proxier.ts';
import type { HealthCheckService, ServiceHealthServers } from './service-health-servers.ts';
import type { SyncRunner, SyncTrigger } from './sync-runner.ts';

const TRIGGER: SyncTrigger = { requested: true, periodic: false, retry: false, consecutiveFailures: 0 };

function fakeProxier(outcome: () => Promise<void>, synced: string[], name: string): Proxier {
  return {
    acceptSnapshot: () => synced.push(`${name} snapshot`),
    sync: async () => {
      await outcome();
      synced.push(`${name} synced`);
    },
    currentNode: () => undefined,
    hasSynced: true,
    requestFullSync: () => synced.push(`${name} full sync requested`),
    awaitsFlushRepair: false,
  };
}

function fakeRunner(calls: string[], name: string): SyncRunner {
  return {
    start: () => calls.push(`${name} start`),
    run: () => calls.push(`${name} run`),
    retryAfter: () => undefined,
    stop: async () => void calls.push(`${name} stop`),
    isRunning: false,
  };
}

describe('composeProxiers', () => {
  it('gives every snapshot to each family and syncs one even when the other fails', async () => {
    const calls: string[] = [];
    const failure = new Error('ip6tables-restore failed');
    const proxier = composeProxiers([
      { ipFamily: 'IPv4', proxier: fakeProxier(async () => undefined, calls, 'v4'), runner: fakeRunner(calls, 'v4') },
      { ipFamily: 'IPv6', proxier: fakeProxier(() => Promise.reject(failure), calls, 'v6'), runner: fakeRunner(calls, 'v6') },
    ]);
    proxier.acceptSnapshot({} as never);
    await expect(proxier.sync(TRIGGER)).rejects.toBe(failure);
    expect(calls).toEqual(['v4 snapshot', 'v6 snapshot', 'v4 synced']);
  });
});

describe('composeRunners', () => {
  it('drives each family runner', async () => {
    const calls: string[] = [];
    const runner = composeRunners([
      { ipFamily: 'IPv4', proxier: fakeProxier(async () => undefined, calls, 'v4'), runner: fakeRunner(calls, 'v4') },
      { ipFamily: 'IPv6', proxier: fakeProxier(async () => undefined, calls, 'v6'), runner: fakeRunner(calls, 'v6') },
    ]);
    runner.run();
    runner.start();
    await runner.stop();
    expect(calls).toEqual(['v4 run', 'v6 run', 'v4 start', 'v6 start', 'v4 stop', 'v6 stop']);
  });
});

describe('familyReportsProblem', () => {
  const problem = (kind: Problem['kind'], severity: Problem['severity'], reason: string): Problem => ({
    severity,
    kind,
    namespace: 'ns',
    name: 'a',
    field: 'f',
    value: 'v',
    reason,
  });

  it('drops the notes on what the other family serves, and the shared Service problems from the secondary', () => {
    const v4 = familyReportsProblem('IPv4', true);
    const v6 = familyReportsProblem('IPv6', false);
    expect(v4(problem('Service', 'ignored', 'IPv6 is not served by this IPv4 proxier'))).toBe(false);
    expect(v4(problem('Service', 'ignored', 'service has no IPv4 cluster IP'))).toBe(false);
    expect(v4(problem('Service', 'error', 'must be an IP address'))).toBe(true);
    expect(v6(problem('Service', 'error', 'must be an IP address'))).toBe(false);
    expect(v6(problem('EndpointSlice', 'error', 'must be an IPv6 address'))).toBe(true);
    expect(v6(problem('Service', 'ignored', 'service has no cluster IP yet'))).toBe(false);
    expect(v4(problem('Service', 'ignored', 'service has no cluster IP yet'))).toBe(true);
  });
});

describe('shareServiceHealth', () => {
  it('serves the union of both families, the larger local count for a service in both', async () => {
    const synced: (readonly HealthCheckService[])[] = [];
    const shared: ServiceHealthServers = {
      sync: async (services) => {
        synced.push(services);
        return { opened: 0, closed: 0, failed: [] };
      },
      ports: () => new Map(),
      close: async () => undefined,
    };
    const families = shareServiceHealth(shared, ['IPv4', 'IPv6']);
    await families.get('IPv4')!.sync([{ namespace: 'ns', name: 'lb', healthCheckNodePort: 32000, localEndpoints: 0 }]);
    await families.get('IPv6')!.sync([
      { namespace: 'ns', name: 'lb', healthCheckNodePort: 32000, localEndpoints: 2 },
      { namespace: 'ns', name: 'v6', healthCheckNodePort: 32001, localEndpoints: 1 },
    ]);
    await families.get('IPv4')!.sync([]);
    expect(synced).toEqual([
      [{ namespace: 'ns', name: 'lb', healthCheckNodePort: 32000, localEndpoints: 0 }],
      [
        { namespace: 'ns', name: 'lb', healthCheckNodePort: 32000, localEndpoints: 2 },
        { namespace: 'ns', name: 'v6', healthCheckNodePort: 32001, localEndpoints: 1 },
      ],
      [
        { namespace: 'ns', name: 'lb', healthCheckNodePort: 32000, localEndpoints: 2 },
        { namespace: 'ns', name: 'v6', healthCheckNodePort: 32001, localEndpoints: 1 },
      ],
    ]);
  });
});
