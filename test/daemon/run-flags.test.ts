// `kpx run`'s command line as a real process: --help, rejected flags and values (exit 2),
// flag-over-file precedence seen through /configz, unavailable modes, and the exit when the
// --config file changes on disk. The daemon always points at a network namespace this file
// creates, never at the host's rules.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import { makeNode } from '../helpers/k8s-builders.ts';
import { freePort } from './free-port.ts';
import { createTestNetns, spawnKpxRun } from './run-daemon-process.ts';

const isRoot = process.getuid?.() === 0;

async function finished(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  const run = spawnKpxRun(args);
  const exit = await run.exited;
  return { code: exit.code, stdout: run.text() };
}

describe('kpx run command line', () => {
  it('--help documents every flag, --netns included, and exits 0', async () => {
    const { code, stdout } = await finished(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--config', '--proxy-mode', '--kubeconfig', '--master', '--hostname-override', '--bind-address', '--cluster-cidr',
      '--healthz-bind-address', '--metrics-bind-address', '--masquerade-all', '--nodeport-addresses', '--iptables-sync-period',
      '--iptables-min-sync-period', '--ipvs-scheduler', '--conntrack-max-per-core', '--detect-local-mode', '--cleanup', '--netns']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('SIGTERM');
  });

  it.each([
    [['--no-such-flag'], '--no-such-flag: unknown flag'],
    [['--feature-gates', 'A=true'], '--feature-gates'],
    [['--iptables-sync-period', 'soon'], '--iptables-sync-period'],
    [['--proxy-mode', 'nftables'], 'mode "nftables" is not implemented yet'],
    [['--proxy-mode', 'bogus'], '--proxy-mode'],
    [['--netns', '../etc'], '--netns'],
    [['stray'], 'unexpected arguments: stray'],
  ])('rejects %j with exit 2 and names the problem', async (args, message) => {
    const { code, stdout } = await finished(args);
    expect(code).toBe(2);
    expect(stdout).toContain(message);
  });

  it('rejects a config file field it does not know, naming it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kpx-flags-'));
    try {
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nnotAField: 1\n');
      const { code, stdout } = await finished(['--config', file]);
      expect(code).toBe(2);
      expect(stdout).toContain('notAField');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!isRoot)('kpx run configuration at run time', () => {
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let netns: Awaited<ReturnType<typeof createTestNetns>>;
  let dir: string;

  beforeAll(async () => {
    api = await startApiServer();
    netns = await createTestNetns(`kpxf-${randomBytes(3).toString('hex')}`);
    dir = await mkdtemp(path.join(tmpdir(), 'kpx-config-'));
    await api.create(makeNode('flags-node', (node) => (node.status.addresses = [{ type: 'InternalIP', address: '10.250.0.10' }])));
  });

  afterAll(async () => {
    await netns?.remove();
    await api?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('lets flags override the file (seen on /configz), and exits when the file changes on disk', async () => {
    const metricsPort = await freePort();
    const file = path.join(dir, 'config.yaml');
    await writeFile(file, [
      'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
      'kind: KubeProxyConfiguration',
      'hostnameOverride: flags-node',
      'clusterCIDR: 10.244.0.0/16',
      `healthzBindAddress: 127.0.0.1:${await freePort()}`,
      `metricsBindAddress: 127.0.0.1:${metricsPort}`,
      'iptables:',
      '  syncPeriod: 20s',
      '  minSyncPeriod: 2s',
      '  masqueradeAll: true',
      '',
    ].join('\n'));
    const kpx = spawnKpxRun(['--config', file, '--master', api.url, '--netns', netns.name, '--iptables-min-sync-period', '250ms', '--cluster-cidr', '10.100.0.0/16']);
    try {
      await kpx.waitForLog((line) => line.msg === 'sync done');
      const configz = (await (await fetch(`http://127.0.0.1:${metricsPort}/configz`)).json()) as Record<string, Record<string, unknown>>;
      expect(configz['kubeproxy.config.k8s.io']).toMatchObject({
        hostnameOverride: 'flags-node',
        clusterCIDR: '10.100.0.0/16',
        iptables: { syncPeriod: '20s', minSyncPeriod: '250ms', masqueradeAll: true },
      });
      expect(await netns.iptablesSave()).toContain(':KUBE-SERVICES');

      const changedAt = performance.now();
      await appendFile(file, '# edited\n');
      const exit = await kpx.exited;
      expect(exit.code).toBe(3);
      expect(performance.now() - changedAt).toBeLessThan(5_000);
      expect(kpx.logs.some((line) => line.msg === 'configuration file changed: exiting so that the new one is loaded')).toBe(true);
    } finally {
      kpx.kill('SIGKILL');
    }
  });
});
