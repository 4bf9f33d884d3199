import { describe, expect, it } from 'vitest';
import { parseFlags } from '../config/parse-flags.ts';
import { flagsFor } from '../config/flag-table.ts';
import { resolveConfig } from '../config/resolve-config.ts';
import { planInitOnly } from './init-only.ts';

const resolved = (argv: readonly string[]) => resolveConfig(undefined, parseFlags(argv, flagsFor('run'))).resolved;
const keys = (plan: ReturnType<typeof planInitOnly>): string[] => [...plan.conntrack, ...plan.mode].map((setting) => `${setting.key}=${setting.value}`);

describe('planInitOnly (upstream newProxyServer with initOnly)', () => {
  it("iptables with kube-proxy's defaults: conntrack max and TCP timeouts, then route_localnet", () => {
    expect(keys(planInitOnly(resolved([]), 'iptables', 4))).toEqual([
      'net.netfilter.nf_conntrack_max=131072',
      'net.netfilter.nf_conntrack_tcp_timeout_established=86400',
      'net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600',
      'net.ipv4.conf.all.route_localnet=1',
    ]);
    expect(planInitOnly(resolved([]), 'iptables', 4).modules).toEqual([]);
  });

  it('no route_localnet when localhost NodePorts are off, nodePortAddresses exclude loopback or are only primary; never for nftables', () => {
    for (const argv of [['--iptables-localhost-nodeports=false'], ['--nodeport-addresses=10.0.0.0/8'], ['--nodeport-addresses=primary']]) {
      expect(keys(planInitOnly(resolved(argv), 'iptables', 4))).not.toContain('net.ipv4.conf.all.route_localnet=1');
    }
    expect(keys(planInitOnly(resolved(['--nodeport-addresses=127.0.0.0/8']), 'iptables', 4))).toContain('net.ipv4.conf.all.route_localnet=1');
    expect(keys(planInitOnly(resolved([]), 'nftables', 4))).not.toContain('net.ipv4.conf.all.route_localnet=1');
  });

  it('under --netns, nf_conntrack_max (global) is left out', () => {
    expect(keys(planInitOnly(resolved(['--netns=lab1']), 'iptables', 4))).not.toContain('net.netfilter.nf_conntrack_max=131072');
  });

  it('ipvs: its sysctls and modules, its scheduler included', () => {
    const plan = planInitOnly(resolved(['--proxy-mode=ipvs', '--ipvs-scheduler=lc', '--ipvs-strict-arp', '--conntrack-max-per-core=0']), 'ipvs', 4);
    expect(keys(plan)).toEqual([
      'net.netfilter.nf_conntrack_tcp_timeout_established=86400',
      'net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600',
      'net.ipv4.vs.conntrack=1',
      'net.ipv4.vs.expire_nodest_conn=1',
      'net.ipv4.vs.expire_quiescent_template=1',
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.arp_ignore=1',
      'net.ipv4.conf.all.arp_announce=2',
    ]);
    expect(plan.modules).toEqual(['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh', 'ip_vs_lc', 'nf_conntrack']);
  });
});
