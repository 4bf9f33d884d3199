// `kpx lab --keep` leaves the lab up with kpx running; `kpx explain service` against one of
// its nodes shows the service's chains, its endpoints, conntrack entries and where a client
// goes; Ctrl-C (SIGINT) then tears everything down. A lab killed outright (SIGKILL) leaves
// namespaces that the next run removes. Needs root, iproute2, iptables, conntrack.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const KPX = fileURLToPath(new URL('../../bin/kpx.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;
const describeAsRoot = describeNeedingRoot();

function labNamespaces(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('kpxlab-'));
}

function kpx(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [KPX, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function startLab(args: readonly string[]): {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<void>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [KPX, 'lab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${String(pattern)} in:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, output: () => output, waitFor, exited };
}

describeAsRoot('kpx lab --keep and kpx explain', () => {
  let out: string;
  let lab: ReturnType<typeof startLab>;
  const before = isRoot ? labNamespaces() : [];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kpx-lab-keep-'));
    lab = startLab(['--network', 'routed', '--modes', 'iptables', '--duration', '1', '--services', '0', '--keep', '--out', out]);
    await lab.waitFor(/^lab is up$/m, 90_000);
  }, 120_000);

  afterAll(async () => {
    if (lab !== undefined && lab.child.exitCode === null) {
      lab.child.kill('SIGKILL');
      await lab.exited;
    }
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('explains a ClusterIP service on a kept lab node: its chains, endpoints and where a pod client goes', () => {
    const master = /--master (http:\/\/127\.0\.0\.1:\d+)/.exec(lab.output())?.[1];
    const netns = /--netns (kpxlab-[0-9a-f]{6}-node1)/.exec(lab.output())?.[1];
    expect(master).toBeDefined();
    expect(netns).toBeDefined();
    const result = kpx([
      'explain',
      'service',
      'demo/web',
      '--master',
      master ?? '',
      '--netns',
      netns ?? '',
      '--hostname-override',
      'node1',
      '--mode',
      'iptables',
      '--client',
      '10.244.1.10',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^service port demo\/web:http$/m);
    expect(result.stdout).toContain('clusterIP 10.96.0.20:80');
    for (const endpoint of ['10.244.1.10:8080', '10.244.1.11:8080', '10.244.2.10:8080', '10.244.2.11:8080']) {
      expect(result.stdout).toMatch(new RegExp(`-j DNAT --to-destination ${endpoint.replace(/\./g, '\\.')}`));
    }
    const serviceChain = /-A KUBE-SERVICES -d 10\.96\.0\.20\/32 .* -j (KUBE-SVC-[A-Z0-9]{16})/.exec(result.stdout)?.[1];
    expect(serviceChain).toBeDefined();
    expect(result.stdout).toContain(`:${serviceChain ?? ''} - [0:0]`);
    // The lab's own traffic went through this service: conntrack shows it.
    expect(result.stdout).toMatch(/dst=10\.96\.0\.20 sport=\d+ dport=80/);
    expect(result.stdout).toMatch(/clusterIP 10\.96\.0\.20:80 -> 10\.244\.1\.10:8080, 10\.244\.1\.11:8080, 10\.244\.2\.10:8080, 10\.244\.2\.11:8080/);
  });

  it("explains an externalTrafficPolicy Local node port from the client: only the node's own pods", () => {
    const master = /--master (http:\/\/127\.0\.0\.1:\d+)/.exec(lab.output())?.[1] ?? '';
    const netns = (/--netns (kpxlab-[0-9a-f]{6})-node1/.exec(lab.output())?.[1] ?? '') + '-node2';
    const result = kpx(['explain', 'service', 'demo/local', '--master', master, '--netns', netns, '--hostname-override', 'node2', '--client', '10.250.0.100']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/nodePort 10\.250\.0\.12:30081 -> 10\.244\.2\.10:8080, 10\.244\.2\.11:8080 {2}\[externalTrafficPolicy Local/);
    expect(result.stdout).toMatch(/KUBE-SVL-/);
  });

  it('refuses a malformed reference and names a missing service', () => {
    expect(kpx(['explain', 'service', 'no-slash']).status).toBe(2);
    const master = /--master (http:\/\/127\.0\.0\.1:\d+)/.exec(lab.output())?.[1] ?? '';
    const missing = kpx(['explain', 'service', 'demo/absent', '--master', master, '--hostname-override', 'node1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/demo\/absent not found/);
  });

  it('tears everything down on SIGINT', async () => {
    lab.child.kill('SIGINT');
    expect(await lab.exited).toBe(0);
    expect(labNamespaces().filter((name) => !before.includes(name))).toEqual([]);
  }, 30_000);

  it('cleans up the namespaces and daemons of a lab killed outright on the next run', async () => {
    const crashed = startLab(['--network', 'routed', '--modes', 'iptables', '--duration', '1', '--services', '0', '--out', out]);
    await crashed.waitFor(/iptables: iperf3 and wrk through the service VIP/, 60_000);
    const prefix = /(kpxlab-[0-9a-f]{6})-/.exec(
      labNamespaces()
        .filter((name) => !before.includes(name))
        .join(' '),
    )?.[1];
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(prefix).toBeDefined();
    expect(labNamespaces().filter((name) => name.startsWith(`${prefix ?? ''}-`)).length).toBeGreaterThan(0);

    const next = startLab(['--network', 'routed', '--modes', 'iptables', '--duration', '1', '--services', '0', '--out', out]);
    await next.waitFor(/removed \d+ leftover namespaces/, 30_000);
    next.child.kill('SIGINT');
    await next.exited;
    expect(labNamespaces().filter((name) => !before.includes(name))).toEqual([]);
    const daemons = spawnSync('pgrep', ['-f', `--netns ${prefix ?? ''}-node`], { encoding: 'utf8' });
    expect(daemons.stdout.trim()).toBe('');
  }, 120_000);
});
