// `kpx run`'s command line as a real process: --help, --version, rejected flags and values
// (exit 2), lenient decoding of a kubeadm config.conf with a newer kube-proxy's field,
// upstream's file-over-flags precedence seen through /configz, --write-config-to, and the exit
// when the --config file changes on disk. The daemon always points at a network namespace this file
// creates, never at the host's rules.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import { makeNode } from '../helpers/k8s-builders.ts';
import { freePort } from './free-port.ts';
import { createTestNetns, spawnKpxRun } from './run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

async function finished(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  const run = spawnKpxRun(args);
  const exit = await run.exited;
  return { code: exit.code, stdout: run.text() };
}

describe('kpx run command line', () => {
  it('--help documents every flag, --netns included, and exits 0', async () => {
    const { code, stdout } = await finished(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--config',
      '--proxy-mode',
      '--kubeconfig',
      '--master',
      '--hostname-override',
      '--bind-address',
      '--cluster-cidr',
      '--healthz-bind-address',
      '--metrics-bind-address',
      '--masquerade-all',
      '--nodeport-addresses',
      '--iptables-sync-period',
      '--iptables-min-sync-period',
      '--ipvs-scheduler',
      '--conntrack-max-per-core',
      '--detect-local-mode',
      '--cleanup',
      '--netns',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('SIGTERM');
  });

  it.each([
    [['--no-such-flag'], '--no-such-flag: unknown flag'],
    [['--vmodule', 'proxier=4'], '--vmodule: a kube-proxy flag kpx does not support'],
    [['--feature-gates', 'A'], '--feature-gates'],
    [['--iptables-sync-period', 'soon'], '--iptables-sync-period'],
    [['--proxy-mode', 'bogus'], '--proxy-mode'],
    [['--netns', '../etc'], '--netns'],
    [['stray'], 'unexpected arguments: stray'],
  ])('rejects %j with exit 2 and names the problem', async (args, message) => {
    const { code, stdout } = await finished(args);
    expect(code).toBe(2);
    expect(stdout).toContain(message);
  });

  it('rejects an invalid value in the config file with exit 2, naming the field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kpx-flags-'));
    try {
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nnotAField: 1\niptables:\n  masqueradeBit: 99\n');
      const { code, stdout } = await finished(['--config', file]);
      expect(code).toBe(2);
      expect(stdout).toContain('iptables.masqueradeBit');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--version prints kpx and the kube-proxy version it tracks, on run and on any other command', async () => {
    const { code, stdout } = await finished(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kpx v0\.1\.0 \(kube-proxy v1\.34/);
  });

  it('--write-config-to writes the effective configuration, which --config reads back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kpx-write-'));
    try {
      const file = path.join(dir, 'written.yaml');
      const { code } = await finished(['--write-config-to', file, '--proxy-mode=ipvs', '--cluster-cidr=10.8.0.0/16']);
      expect(code).toBe(0);
      const text = await readFile(file, 'utf8');
      expect(text).toMatch(/^apiVersion: kubeproxy\.config\.k8s\.io\/v1alpha1\nbindAddress: 0\.0\.0\.0\n/);
      expect(text).toContain('mode: ipvs\n');
      expect(text).toContain('clusterCIDR: 10.8.0.0/16\n');
      const again = path.join(dir, 'again.yaml');
      expect((await finished(['--config', file, '--write-config-to', again])).code).toBe(0);
      expect(await readFile(again, 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeAsRoot('kpx run configuration at run time', () => {
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

  it("starts from kubeadm 1.34's config.conf with a newer kube-proxy's field, with a warning naming it", async () => {
    // kubeadm's text as is, but for what must point at this test: the API server (--master
    // applies over a file; kubeadm's kubeconfig path does not exist here) and free ports.
    const kubeadm = await readFile(path.join(import.meta.dirname, '../config/fixtures/kubeadm-1.34-config.conf'), 'utf8');
    const file = path.join(dir, 'kubeadm.conf');
    await writeFile(
      file,
      `${kubeadm
        .replace('kubeconfig: /var/lib/kube-proxy/kubeconfig.conf', 'kubeconfig: ""')
        .replace('healthzBindAddress: ""', `healthzBindAddress: 127.0.0.1:${await freePort()}`)
        .replace('metricsBindAddress: ""', `metricsBindAddress: 127.0.0.1:${await freePort()}`)}futureSetting:\n  enabled: true\n`,
    );
    const kpx = spawnKpxRun(['--config', file, '--master', api.url, '--hostname-override', 'flags-node', '--netns', netns.name]);
    try {
      const warning = await kpx.waitForLog((line) => line.msg === 'Using lenient decoding as strict decoding failed');
      expect(warning).toMatchObject({ err: 'strict decoding error: unknown field "futureSetting"', fields: ['futureSetting'] });
      await kpx.waitForLog((line) => line.msg === 'sync done');
    } finally {
      kpx.kill('SIGKILL');
      await kpx.exited;
    }
  });

  it('a healthz port in use is fatal only with --bind-address-hard-fail, after a FailedToStartProxierHealthcheck Event', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const common = [
      '--master',
      api.url,
      '--hostname-override',
      'flags-node',
      '--netns',
      netns.name,
      '--cluster-cidr',
      '10.100.0.0/16',
      '--healthz-bind-address',
      `127.0.0.1:${port}`,
      '--metrics-bind-address',
      `127.0.0.1:${await freePort()}`,
    ];
    try {
      const tolerant = spawnKpxRun(common);
      try {
        await tolerant.waitForLog((line) => line.msg === 'server failed to start; retrying');
        await tolerant.waitForLog((line) => line.msg === 'sync done');
      } finally {
        tolerant.kill('SIGKILL');
        await tolerant.exited;
      }
      const strict = spawnKpxRun([...common, '--bind-address-hard-fail']);
      expect((await strict.exited).code).toBe(3);
      const events = ((await (await fetch(`${api.url}/api/v1/namespaces/default/events`)).json()) as { items: Record<string, unknown>[] }).items;
      expect(events.find((event) => event['reason'] === 'FailedToStartProxierHealthcheck')).toMatchObject({
        type: 'Warning',
        involvedObject: { kind: 'Node', name: 'flags-node' },
        reportingComponent: 'kpx',
        message: expect.stringMatching(/^healthz server failed: .*EADDRINUSE/),
      });
    } finally {
      blocker.close();
    }
  });

  it('takes the file over the flags that set its fields, as upstream, warning about each (seen on /configz), and exits when the file changes on disk', async () => {
    const metricsPort = await freePort();
    const file = path.join(dir, 'config.yaml');
    await writeFile(
      file,
      [
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
      ].join('\n'),
    );
    const kpx = spawnKpxRun([
      '--config',
      file,
      '--master',
      api.url,
      '--netns',
      netns.name,
      '--iptables-min-sync-period',
      '250ms',
      '--cluster-cidr',
      '10.100.0.0/16',
    ]);
    try {
      await kpx.waitForLog((line) => line.msg === 'sync done');
      const configz = (await (await fetch(`http://127.0.0.1:${metricsPort}/configz`)).json()) as Record<string, Record<string, unknown>>;
      expect(configz['kubeproxy.config.k8s.io']).toMatchObject({
        hostnameOverride: 'flags-node',
        clusterCIDR: '10.244.0.0/16',
        iptables: { syncPeriod: '20s', minSyncPeriod: '2s', masqueradeAll: true },
      });
      const ignored = kpx.logs.filter((line) => line.msg === 'configuration setting ignored').map((line) => line['setting']);
      expect(ignored).toEqual(['--iptables-min-sync-period', '--cluster-cidr']);
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
