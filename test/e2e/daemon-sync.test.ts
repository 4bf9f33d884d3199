// `kpx run` as a process against the embedded API server, programming a network namespace
// this file creates, in iptables and in nftables mode: initial sync, rules following the API,
// partial and periodic full syncs, the start-up Event, SIGTERM leaving the rules, kill -9 and
// restart converging, --cleanup. Needs root, iproute2, iptables and nft.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { makeEndpointSlice, makeNode, makeService } from '../helpers/k8s-builders.ts';
import { freePort } from '../daemon/free-port.ts';
import { realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { createTestNetns, spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { IPTABLES_NFT, NFTABLES, savedModeRules } from '../daemon/proxy-mode-cases.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const NODE = 'kpx-e2e-node';

function webService(clusterIP: string, name = 'web', protocol = 'TCP'): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.spec.type = 'ClusterIP';
    svc.spec.clusterIP = clusterIP;
    svc.spec.clusterIPs = [clusterIP];
    svc.spec.ports = [{ name: 'http', port: 80, protocol, targetPort: 8080 }];
  });
}

function slice(service: string, addresses: readonly string[], protocol = 'TCP'): RawObject {
  return makeEndpointSlice('ns1', `${service}-abc`, service, (s) => {
    s.endpoints = addresses.map((address) => ({ addresses: [address], conditions: { ready: true } }));
    s.ports = [{ name: 'http', port: 8080, protocol }];
  });
}

const isSync = (line: LogLine): boolean => line.msg === 'sync done';

describeAsRoot.each([IPTABLES_NFT, NFTABLES])('kpx run against the embedded API server ($label)', (modeCase) => {
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let netns: Awaited<ReturnType<typeof createTestNetns>>;
  let exec: Exec;
  let daemon: DaemonProcess | undefined;
  /** The mode's rules as lines (iptables: kpx's chains and rules of both backends; nftables: its table). */
  const rules = (): Promise<string[]> => savedModeRules(exec, modeCase);

  beforeAll(async () => {
    api = await startApiServer();
    netns = await createTestNetns(`kpxd-${randomBytes(3).toString('hex')}`);
    exec = execInNetns(realExec, netns.name);
    await api.create(makeNode(NODE, (node) => (node.status.addresses = [{ type: 'InternalIP', address: '10.250.0.10' }])));
    await api.create(webService('10.96.0.10'));
    await api.create(slice('web', ['10.244.1.10', '10.244.1.11']));
  });

  afterEach(async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    daemon = undefined;
  });

  afterAll(async () => {
    await netns?.remove();
    await api?.stop();
  });

  const start = async (extra: readonly string[] = []): Promise<DaemonProcess> => {
    const args = [
      '--proxy-mode',
      modeCase.mode,
      '--master',
      api.url,
      '--hostname-override',
      NODE,
      '--netns',
      netns.name,
      '--cluster-cidr',
      '10.244.0.0/16',
      '--healthz-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--metrics-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--iptables-min-sync-period',
      '100ms',
      '--iptables-sync-period',
      '3s',
      ...extra,
    ];
    daemon = spawnKpxRun(args);
    return daemon;
  };

  it('programs the rules after the first snapshot and follows API changes with partial syncs', async () => {
    const kpx = await start();
    const first = await kpx.waitForLog(isSync);
    expect(first).toMatchObject({ full: true, applied: true, servicePorts: 1 });
    let lines = await rules();
    if (modeCase.mode === 'iptables') {
      expect(lines.some((line) => line.includes('ns1/web:http cluster IP') && line.includes('10.96.0.10/32'))).toBe(true);
      expect(lines.filter((line) => line.startsWith('-A KUBE-SEP-') && line.includes('DNAT'))).toHaveLength(2);
    } else {
      expect(lines.some((line) => line.includes('10.96.0.10 . tcp . 80'))).toBe(true);
      for (const endpoint of ['10.244.1.10', '10.244.1.11']) expect(lines.some((line) => line.includes(`${endpoint} . 8080`))).toBe(true);
    }

    const from = kpx.logs.length;
    await api.create(webService('10.96.0.20', 'api'));
    await api.create(slice('api', ['10.244.1.12']));
    const partial = await kpx.waitForLog((line) => isSync(line) && line['servicePorts'] === 2 && line['applied'] === true, { from });
    expect(partial).toMatchObject({ full: false, changed: 1 });
    lines = await rules();
    expect(lines.some((line) => line.includes(modeCase.mode === 'iptables' ? 'ns1/api:http cluster IP' : '10.96.0.20 . tcp . 80'))).toBe(true);
    expect(lines.some((line) => line.includes('10.244.1.12'))).toBe(true);

    const beforeDelete = kpx.logs.length;
    await api.remove('Service', 'ns1', 'api');
    await kpx.waitForLog((line) => isSync(line) && line['servicePorts'] === 1, { from: beforeDelete });
    lines = await rules();
    expect(lines.some((line) => line.includes('10.96.0.20') || line.includes('ns1/api:http'))).toBe(false);

    // No change for a whole syncPeriod: a periodic sync comes anyway, partial (full ones only
    // every FullSyncPeriod), rewriting the top-level chains as upstream's does.
    const periodic = await kpx.waitForLog((line) => isSync(line) && line['trigger'] === 'period', { from: beforeDelete, timeoutMs: 8_000 });
    expect(periodic).toMatchObject({ full: false, applied: true, changed: 0, chainsWritten: 0 });
  });

  it('records a Starting Event on its Node through the API', async () => {
    const kpx = await start();
    await kpx.waitForLog((line) => line.msg === 'start-up event recorded');
    const response = await fetch(`${api.url}/api/v1/namespaces/default/events`);
    const events = ((await response.json()) as { items: Record<string, unknown>[] }).items;
    expect(
      events.some(
        (event) =>
          event['reason'] === 'Starting' &&
          (event['involvedObject'] as Record<string, unknown>)['name'] === NODE &&
          (event['involvedObject'] as Record<string, unknown>)['kind'] === 'Node' &&
          event['reportingComponent'] === 'kpx',
      ),
    ).toBe(true);
  });

  it('leaves the rules in place on SIGTERM and exits 0 within 5 s', async () => {
    const kpx = await start();
    await kpx.waitForLog(isSync);
    const before = await rules();
    expect(before.length).toBeGreaterThan(10);
    const signalled = performance.now();
    kpx.kill('SIGTERM');
    const exit = await kpx.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalled).toBeLessThan(5_000);
    expect(await rules()).toEqual(before);
  });

  it('converges to the same ruleset after kill -9 and a restart', async () => {
    const first = await start();
    await first.waitForLog(isSync);
    const before = await rules();
    first.kill('SIGKILL');
    await first.exited;
    const second = await start();
    const sync = await second.waitForLog(isSync);
    expect(sync).toMatchObject({ full: true, applied: true });
    expect(await rules()).toEqual(before);
  });

  it('--cleanup removes every kpx rule and exits 0', async () => {
    const kpx = await start();
    await kpx.waitForLog(isSync);
    kpx.kill('SIGTERM');
    await kpx.exited;
    expect((await rules()).length).toBeGreaterThan(0);
    const cleanup = spawnKpxRun(['--cleanup', '--proxy-mode', modeCase.mode, '--netns', netns.name]);
    expect((await cleanup.exited).code).toBe(0);
    // KUBE-FIREWALL is shared with the kubelet: cleanup leaves it, as upstream's CleanupLeftovers does.
    expect((await rules()).filter((line) => !line.includes('KUBE-FIREWALL'))).toEqual([]);
  });
});
