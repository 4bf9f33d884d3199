// `kpx run --proxy-mode nftables` owns its one table and nothing else: another program's nftables
// table and the iptables rules (both backends) in the namespace are left as they were by the
// first full sync, a partial sync, a periodic full sync and `kpx run --cleanup`; with
// `--service-proxy-name kpx` the table is `ip kpx`, and a `ip kube-proxy` table already there
// (kube-proxy's) is never touched, not even by that daemon's --cleanup. Each case programs an
// empty namespace of its own. Needs root, iproute2, nft and iptables.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { freePort } from '../daemon/free-port.ts';
import { isAppliedSync, nftTableLines } from '../daemon/proxy-mode-cases.ts';
import { createTestNetns, spawnKpxRun, type DaemonProcess } from '../daemon/run-daemon-process.ts';
import { makeEndpointSlice, makeNode, makeService } from '../helpers/k8s-builders.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const NODE = 'kpx-e2e-node';
const PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

const FOREIGN_TABLE = 'table inet foreign {\n chain c { type filter hook input priority 0; tcp dport 2222 accept; }\n}\n';
/** kube-proxy's own table, as if it ran beside kpx --service-proxy-name kpx. */
const KUBE_PROXY_TABLE =
  'table ip kube-proxy {\n set cluster-ips { type ipv4_addr; elements = { 10.96.9.9 }; }\n chain services { ip daddr @cluster-ips drop; }\n}\n';

function service(name: string, clusterIP: string, labels: Record<string, string> = {}): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.metadata.labels = labels;
    svc.spec.type = 'ClusterIP';
    svc.spec.clusterIP = clusterIP;
    svc.spec.clusterIPs = [clusterIP];
    svc.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }];
  });
}

function slice(name: string, addresses: readonly string[], labels: Record<string, string> = {}): RawObject {
  return makeEndpointSlice('ns1', `${name}-abc`, name, (s) => {
    s.metadata.labels = { ...s.metadata.labels, ...labels };
    s.endpoints = addresses.map((address) => ({ addresses: [address], conditions: { ready: true } }));
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
  });
}

/** Everything in the namespace that is not kpx's: nft tables other than `ownTable`, and both iptables backends' rules. */
async function foreignState(exec: Exec, ownTable: string): Promise<{ tables: string[]; foreign: string[]; iptables: string[] }> {
  const tables = (await execOk(exec, { file: 'nft', args: ['list', 'tables'] })).stdout
    .split('\n')
    .filter((line) => line !== '' && line !== `table ip ${ownTable}`);
  const save = async (file: string): Promise<string[]> =>
    (await execOk(exec, { file, args: [] })).stdout
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'));
  return {
    tables,
    foreign: await nftTableLines(exec, 'foreign', 'inet'),
    iptables: [...(await save('iptables-legacy-save')), ...(await save('iptables-nft-save'))],
  };
}

/** Another program's rules: an inet table, iptables-legacy and iptables-nft rules. */
async function plantForeignRules(exec: Exec): Promise<void> {
  await execOk(exec, { file: 'nft', args: ['-f', '-'], stdin: FOREIGN_TABLE });
  await execOk(exec, { file: 'iptables-legacy', args: ['-N', 'FOREIGN-LEGACY'] });
  await execOk(exec, { file: 'iptables-legacy', args: ['-A', 'INPUT', '-s', '192.0.2.1/32', '-j', 'FOREIGN-LEGACY'] });
  await execOk(exec, { file: 'iptables-nft', args: ['-t', 'nat', '-A', 'POSTROUTING', '-s', '192.0.2.2/32', '-j', 'MASQUERADE'] });
}

describeAsRoot('kpx run --proxy-mode nftables beside other programs’ rules', () => {
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let netns: Awaited<ReturnType<typeof createTestNetns>>;
  let exec: Exec;
  const daemons: DaemonProcess[] = [];

  const start = async (extra: readonly string[]): Promise<DaemonProcess> => {
    const daemon = spawnKpxRun([
      '--proxy-mode',
      'nftables',
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
      ...extra,
    ]);
    daemons.push(daemon);
    return daemon;
  };
  const cleanUp = async (extra: readonly string[] = []): Promise<void> => {
    const cleanup = spawnKpxRun(['--cleanup', '--proxy-mode', 'nftables', '--netns', netns.name, ...extra]);
    expect((await cleanup.exited).code).toBe(0);
  };
  const stopDaemons = async (): Promise<void> => {
    for (const daemon of daemons.splice(0)) {
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
  };

  beforeAll(async () => {
    api = await startApiServer();
    netns = await createTestNetns(`kpxo-${randomBytes(3).toString('hex')}`);
    exec = execInNetns(realExec, netns.name);
    await api.create(makeNode(NODE, (node) => (node.status.addresses = [{ type: 'InternalIP', address: '10.250.0.10' }])));
    await api.create(service('web', '10.96.0.10'));
    await api.create(slice('web', ['10.244.1.10', '10.244.1.11']));
    await api.create(service('owned', '10.96.0.30', { [PROXY_NAME_LABEL]: 'kpx' }));
    await api.create(slice('owned', ['10.244.1.12'], { [PROXY_NAME_LABEL]: 'kpx' }));
    await plantForeignRules(exec);
  });

  afterAll(async () => {
    await stopDaemons();
    await netns?.remove();
    await api?.stop();
  });

  it('leaves another table and the iptables rules as they were through full, partial and periodic syncs and --cleanup', async () => {
    const before = await foreignState(exec, 'kube-proxy');
    expect(before.foreign.join('\n')).toContain('tcp dport 2222 accept');
    expect(before.iptables.join('\n')).toContain('FOREIGN-LEGACY');
    expect(before.iptables.join('\n')).toContain('-A POSTROUTING -s 192.0.2.2/32 -j MASQUERADE');

    const kpx = await start(['--iptables-sync-period', '2s']);
    await kpx.waitForLog((line) => isAppliedSync(line) && line['full'] === true);
    expect((await nftTableLines(exec, 'kube-proxy')).join('\n')).toContain('10.96.0.10');
    expect(await foreignState(exec, 'kube-proxy')).toEqual(before);

    const from = kpx.logs.length;
    await api.create(service('api', '10.96.0.20'));
    await api.create(slice('api', ['10.244.1.13']));
    await kpx.waitForLog((line) => isAppliedSync(line) && line['full'] === false && line['servicePorts'] === 2, { from });
    expect((await nftTableLines(exec, 'kube-proxy')).join('\n')).toContain('10.96.0.20');
    expect(await foreignState(exec, 'kube-proxy')).toEqual(before);

    await kpx.waitForLog((line) => isAppliedSync(line) && line['trigger'] === 'period', { from, timeoutMs: 8_000 });
    expect(await foreignState(exec, 'kube-proxy')).toEqual(before);

    await stopDaemons();
    await cleanUp();
    expect(await nftTableLines(exec, 'kube-proxy')).toEqual([]);
    expect(await foreignState(exec, 'kube-proxy')).toEqual(before);
  });

  it('with --service-proxy-name kpx programs `ip kpx` and never touches an existing `ip kube-proxy`', async () => {
    await execOk(exec, { file: 'nft', args: ['-f', '-'], stdin: KUBE_PROXY_TABLE });
    const kubeProxyBefore = await nftTableLines(exec, 'kube-proxy');
    expect(kubeProxyBefore.join('\n')).toContain('10.96.9.9');

    const kpx = await start(['--service-proxy-name', 'kpx']);
    await kpx.waitForLog(isAppliedSync);
    const own = (await nftTableLines(exec, 'kpx')).join('\n');
    // Only the Service labelled for kpx is served.
    expect(own).toContain('10.96.0.30');
    expect(own).not.toContain('10.96.0.10');
    expect(await nftTableLines(exec, 'kube-proxy')).toEqual(kubeProxyBefore);

    await stopDaemons();
    await cleanUp(['--service-proxy-name', 'kpx']);
    expect(await nftTableLines(exec, 'kpx')).toEqual([]);
    expect(await nftTableLines(exec, 'kube-proxy')).toEqual(kubeProxyBefore);
  });
});
