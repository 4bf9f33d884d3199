// Runs inside the kernel VM through vitestCommand (see vm-smoke.test.ts): proves
// a vitest file gets root, the VM's kernel with the requested modules, and a
// writable view of the host's files.
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('runs as root in the VM with the requested modules loaded', () => {
  expect(process.env.KPX_IN_VM).toBe('1');
  expect(process.getuid?.()).toBe(0);
  const modules = readFileSync('/proc/modules', 'utf8');
  expect(modules).toMatch(/^ip_vs /m);
  expect(modules).toMatch(/^sctp /m);
});

it('can write over the read-only host tree through the overlay', () => {
  const file = '/usr/kpx-vm-overlay-probe';
  writeFileSync(file, 'x');
  expect(readFileSync(file, 'utf8')).toBe('x');
  rmSync(file);
});

it('owns its network stack: namespaces and IPVS services come and go', () => {
  execFileSync('ip', ['netns', 'add', 'kpx-vitest']);
  execFileSync('ip', ['netns', 'delete', 'kpx-vitest']);
  execFileSync('ipvsadm', ['-A', '-u', '10.96.0.53:53', '-s', 'rr']);
  expect(execFileSync('ipvsadm', ['-Ln'], { encoding: 'utf8' })).toContain('UDP  10.96.0.53:53 rr');
  execFileSync('ipvsadm', ['-D', '-u', '10.96.0.53:53']);
});
