// `kpx run --init-only` in a network namespace this file creates: the privileged start-up
// steps (route_localnet=1 on conf/all for localhost NodePorts, the per-namespace conntrack
// timeouts; nf_conntrack_max is global and left alone under --netns), then exit 0, with no
// API server. A daemon started afterwards finds every value set and writes none.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { createTestNetns, spawnKpxRun } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

describeAsRoot('kpx run --init-only', () => {
  let netns: Awaited<ReturnType<typeof createTestNetns>>;
  const sysctl = async (key: string): Promise<string> => (await execOk(execInNetns(realExec, netns.name), { file: 'sysctl', args: ['-n', key] })).stdout.trim();

  beforeAll(async () => {
    netns = await createTestNetns(`kpxi-${randomBytes(3).toString('hex')}`);
  });
  afterAll(async () => {
    await netns?.remove();
  });

  it('sets route_localnet and the conntrack timeouts in the namespace, programs nothing, and exits 0', async () => {
    const hostMax = await execOk(realExec, { file: 'sysctl', args: ['-n', 'net.netfilter.nf_conntrack_max'] });
    expect(await sysctl('net.ipv4.conf.all.route_localnet')).toBe('0');
    // The defaults a new namespace starts with differ from what kube-proxy sets.
    expect(await sysctl('net.netfilter.nf_conntrack_tcp_timeout_established')).not.toBe('86400');
    const init = spawnKpxRun(['--init-only', '--netns', netns.name, '--proxy-mode', 'iptables', '--conntrack-udp-timeout', '45s']);
    const exit = await init.exited;
    expect(exit.code, init.text()).toBe(0);
    expect(init.logs.some((line) => line.msg === 'System initialized and --init-only specified')).toBe(true);
    expect(await sysctl('net.ipv4.conf.all.route_localnet')).toBe('1');
    expect(await sysctl('net.netfilter.nf_conntrack_tcp_timeout_established')).toBe('86400');
    expect(await sysctl('net.netfilter.nf_conntrack_tcp_timeout_close_wait')).toBe('3600');
    expect(await sysctl('net.netfilter.nf_conntrack_udp_timeout')).toBe('45');
    expect((await execOk(realExec, { file: 'sysctl', args: ['-n', 'net.netfilter.nf_conntrack_max'] })).stdout).toBe(hostMax.stdout);
    expect(await netns.iptablesSave()).not.toContain('KUBE-');

    // Run again: every value already holds, so nothing is written.
    const again = spawnKpxRun(['--init-only', '--netns', netns.name, '--proxy-mode', 'iptables', '--conntrack-udp-timeout', '45s']);
    expect((await again.exited).code).toBe(0);
    expect(again.logs.filter((line) => line.msg === 'sysctl set')).toEqual([]);
    expect(again.logs.filter((line) => line.msg === 'sysctl already set').length).toBeGreaterThanOrEqual(4);
  });

  it('with localhost NodePorts off, leaves route_localnet alone', async () => {
    const other = await createTestNetns(`kpxj-${randomBytes(3).toString('hex')}`);
    try {
      const init = spawnKpxRun(['--init-only', '--netns', other.name, '--iptables-localhost-nodeports=false']);
      expect((await init.exited).code).toBe(0);
      const value = (await execOk(execInNetns(realExec, other.name), { file: 'sysctl', args: ['-n', 'net.ipv4.conf.all.route_localnet'] })).stdout.trim();
      expect(value).toBe('0');
    } finally {
      await other.remove();
    }
  });
});
