// `npx kpx render …` as a real process under the pinned Node: what a user runs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
// npx resolves the pinned Node through node_modules/.bin, as the README's set-up does.
const ENV = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };

function npxKpx(args: readonly string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npx', ['--no-install', 'kpx', ...args], { cwd: ROOT, env: ENV, input, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npx kpx render (a real process)', { timeout: 90_000 }, () => {
  it('skips the injected Service, reports it on stderr and exits 1', () => {
    const result = npxKpx(['render', '--mode', 'iptables', '-f', join(FIXTURES, 'injection.yaml'), '--hostname-override', 'node-a']);
    expect(result.stderr).toMatch(/^skipped Service default\/evil: spec\.clusterIP "10\.0\.0\.1 -j ACCEPT": .+\n$/);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^\*filter$/m);
    expect(result.stdout).toMatch(/^COMMIT$/m);
    expect(result.stdout).toContain('default/web:http');
    expect(result.stdout).not.toContain('10.0.0.1');
  });

  it('reads stdin and exits 0 on clean input', () => {
    const list = spawnSync('cat', [join(FIXTURES, 'kubectl-get-list.yaml')], { encoding: 'utf8' }).stdout;
    const result = npxKpx(['render', '-f', '-', '--hostname-override=node-a'], list);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('shop/web:http');
  });

  it('renders the nftables mode as an nft -f transaction, the injection attempts skipped', () => {
    const result = npxKpx(['render', '--mode', 'nftables', '-f', join(FIXTURES, 'injection.yaml')]);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      '# kpx nftables plan (IPv4, full sync): nft -f input for table ip kube-proxy.',
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    ]);
    expect(result.stdout).not.toMatch(/-j ACCEPT|flush ruleset/);
  });
});
