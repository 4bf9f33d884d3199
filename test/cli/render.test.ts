// `kpx render` through the CLI entry point with in-memory streams.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '@kpx/agent/cli/main.ts';
import { EXIT } from '@kpx/agent/exit-codes.ts';
import { FLAGS } from '@kpx/agent/config/flag-table.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const INJECTION = join(FIXTURES, 'injection.yaml');
const LIST = join(FIXTURES, 'kubectl-get-list.yaml');
let emptyDir = '';

beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), 'kpx-render-cli-'));
});
afterAll(async () => {
  await rm(emptyDir, { recursive: true, force: true });
});

async function render(args: readonly string[], stdinText = ''): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const exitCode = await main(['render', ...args], { stdout, stderr, stdin });
  return { exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('kpx render: input and output', () => {
  it('reports the injected clusterIP on stderr, renders no rule for it, exits 1', async () => {
    const result = await render(['--mode', 'iptables', '-f', INJECTION, '--hostname-override=node-a']);
    expect(result.exitCode).toBe(EXIT.objectsSkipped);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^skipped Service default\/evil: spec\.clusterIP "10\.0\.0\.1 -j ACCEPT": .+/)]);
    expect(result.stdout).not.toContain('evil');
    expect(result.stdout).not.toContain('10.0.0.1');
    expect(result.stdout).not.toContain('-j ACCEPT\n-A KUBE-SERVICES');
    expect(result.stdout).toContain('-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP"');
    expect(result.stdout).toContain('--to-destination 10.244.1.5:8080');
  });

  it('renders a kubectl List with the Node picked by --hostname-override, exit 0 and a note for unused objects', async () => {
    const result = await render(['--mode=iptables', `--filename=${LIST}`, '--hostname-override=Node-A', '--nodeport-addresses=primary']);
    expect(result.exitCode, result.stderr).toBe(EXIT.ok);
    expect(result.stderr).toBe('note: 1 object(s) not used by kube-proxy were ignored: v1/Node (other nodes) ×1\n');
    expect(result.stdout).toContain('"shop/web:http cluster IP"');
    expect(result.stdout).toContain('--dport 30080');
    // 'primary' node port addresses: only the Node's InternalIP accepts NodePort traffic.
    expect(result.stdout).toContain('192.168.10.11');
    expect(result.stdout).not.toContain('192.168.10.12');
  });

  it('reads stdin for -f -', async () => {
    const { readFile } = await import('node:fs/promises');
    const result = await render(['--mode', 'iptables', '-f', '-', '--hostname-override', 'node-a'], await readFile(LIST, 'utf8'));
    expect(result.exitCode, result.stderr).toBe(EXIT.ok);
    expect(result.stdout).toContain('"shop/web:http cluster IP"');
  });

  it('renders the same bytes for the same input', async () => {
    const args = ['--mode', 'iptables', '-f', LIST, '--hostname-override', 'node-a'];
    expect((await render(args)).stdout).toBe((await render(args)).stdout);
  });

  it('reports a garbage document, renders the rest, exits 1', async () => {
    const input = `${await (await import('node:fs/promises')).readFile(INJECTION, 'utf8')}\n---\n[not, an, object]\n`;
    const result = await render(['-f', '-', '--hostname-override', 'node-a'], input);
    expect(result.exitCode).toBe(EXIT.objectsSkipped);
    expect(result.stderr).toContain('skipped: stdin: document 4: is not an object (got a list)');
    expect(result.stdout).toContain('default/web:http');
  });

  it('names the line and column of a syntax error, and exits 3 when the only input has nothing usable', async () => {
    const broken = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: [web}\n';
    const only = await render(['-f', '-', '--hostname-override', 'node-a'], broken);
    expect(only.exitCode).toBe(EXIT.runtimeFailure);
    expect(only.stderr).toMatch(/^skipped: stdin:5:\d+: document 1: not valid YAML: /m);
    expect(only.stdout).toBe('');
    // Beside a usable document it is one skipped document among others: exit 1.
    const good = 'apiVersion: v1\nkind: Service\nmetadata: {name: ok, namespace: default}\nspec: {clusterIP: 10.96.0.9, ports: [{port: 80}]}\n';
    const mixed = await render(['-f', '-', '--hostname-override', 'node-a'], `${good}---\n${broken}`);
    expect(mixed.exitCode).toBe(EXIT.objectsSkipped);
    expect(mixed.stderr).toMatch(/^skipped: stdin:10:\d+: document 2: not valid YAML: /m);
  });

  it("skips one endpoint of another family, serves the slice's others, and still exits 1", async () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: 'default', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.1.2'] }, { addresses: ['fd00::5'] }, { addresses: ['10.244.1.3'] }],
    };
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'default', name: 'web' },
      spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    };
    const result = await render(['--mode', 'iptables', '-f', '-', '--hostname-override=node-a'], JSON.stringify({ kind: 'List', items: [service, slice] }));
    expect(result.stderr).toBe(
      'skipped EndpointSlice default/web-1: endpoints[1].addresses[0] "fd00::5": must be an IPv4 address (the slice\'s addressType)\n',
    );
    expect(result.exitCode).toBe(EXIT.objectsSkipped);
    expect(result.stdout).toContain('--to-destination 10.244.1.2:8080');
    expect(result.stdout).toContain('--to-destination 10.244.1.3:8080');
    expect(result.stdout).not.toContain('fd00::5');
    expect(result.stdout).not.toContain('-j REJECT');
  });

  it('takes the local-traffic CIDR from --config, and a flag over the file', async () => {
    const config = join(FIXTURES, 'kube-proxy-config.yaml');
    const fromFile = await render(['-f', INJECTION, `--config=${config}`]);
    expect(fromFile.stdout).toContain('! -s 10.244.0.0/16');
    const overridden = await render(['-f', INJECTION, `--config=${config}`, '--cluster-cidr=10.128.0.0/16']);
    expect(overridden.stdout).toContain('! -s 10.128.0.0/16');
    expect(overridden.stdout).not.toContain('10.244.0.0/16');
  });
});

describe('kpx render: unusable arguments exit 2, unreadable input exits 3', () => {
  it.each([
    [['--mode', 'iptables'], 'kpx render: -f/--filename is required'],
    [['-f', INJECTION, '--no-such-flag'], 'kpx render: --no-such-flag: unknown flag'],
    [['-f', INJECTION, '--mode', 'ebpf'], 'kpx render: --mode: invalid value "ebpf": must be one of: iptables, ipvs, nftables, userspace'],
    [['-f', INJECTION, '--iptables-masquerade-bit=99'], 'kpx render: --iptables-masquerade-bit: invalid value "99": must be within the range [0, 31]'],
    [['-f', INJECTION, 'stray'], 'kpx render: unexpected argument "stray"'],
    [['-f', INJECTION, '--cleanup'], 'kpx render: --cleanup: unknown flag'],
  ])('%j', async (args, message) => {
    const result = await render(args);
    expect(result.exitCode).toBe(EXIT.badArguments);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('exits 3 with no output when a file cannot be read', async () => {
    const missing = join(emptyDir, 'missing.yaml');
    const result = await render(['-f', INJECTION, '-f', missing]);
    expect(result.exitCode).toBe(EXIT.runtimeFailure);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: ${missing}: no such file or directory\n`);
  });

  it('refuses more than a million documents with exit 3 and no output', async () => {
    const result = await render(['--mode', 'iptables', '-f', '-'], '---\n'.repeat(1_000_001));
    expect(result.exitCode).toBe(EXIT.runtimeFailure);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: stdin: more than 1000000 documents in all, the most kpx reads (empty ones count)\n');
  });

  it('exits 3 when the --config file cannot be read', async () => {
    const result = await render(['-f', INJECTION, `--config=${join(emptyDir, 'nope.yaml')}`]);
    expect(result.exitCode).toBe(EXIT.runtimeFailure);
    expect(result.stderr).toMatch(/^kpx render: cannot read the configuration file .*nope\.yaml/);
  });

  it('reads nested directories only with -R', async () => {
    const { mkdir, copyFile } = await import('node:fs/promises');
    const root = await mkdtemp(join(tmpdir(), 'kpx-render-r-'));
    try {
      await mkdir(join(root, 'team-a'));
      await copyFile(INJECTION, join(root, 'team-a', 'services.yaml'));
      expect((await render(['-f', root, '--hostname-override=node-a'])).stdout).not.toContain('default/web:http');
      const recursive = await render(['-R', '-f', root, '--hostname-override=node-a']);
      expect(recursive.stdout).toContain('default/web:http');
      expect(recursive.exitCode).toBe(EXIT.objectsSkipped);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('renders an empty directory as the base chains only', async () => {
    const result = await render(['-f', emptyDir]);
    expect(result.exitCode).toBe(EXIT.ok);
    expect(result.stdout).toContain(':KUBE-SERVICES - [0:0]');
    expect(result.stdout).not.toContain('KUBE-SVC-');
  });
});

describe('kpx render --help', () => {
  it('documents every flag render accepts, with kube-proxy defaults', async () => {
    const result = await render(['--help']);
    expect(result.exitCode).toBe(EXIT.ok);
    for (const flag of FLAGS.filter((candidate) => candidate.commands.includes('render'))) {
      expect(result.stdout).toContain(`--${flag.name}`);
    }
    expect(result.stdout).not.toContain('--cleanup');
    expect(result.stdout).toMatch(/--iptables-sync-period duration +An interval/);
    expect(result.stdout).toContain('(default 30s)');
    expect(result.stdout).toContain('(default 127.0.0.1:10249)');
    expect(result.stdout).toContain('-f, --filename file');
  });
});
