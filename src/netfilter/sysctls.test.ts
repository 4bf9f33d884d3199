import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { Sysctl } from '../sys/sysctl.ts';
import { nodePortAddressesContainIPv4Loopback, setUpSysctls } from './sysctls.ts';

function memorySysctl(initial: Record<string, string>): Sysctl & { values: Map<string, string> } {
  const values = new Map(Object.entries(initial));
  return {
    values,
    read: async (key) => values.get(key),
    write: async (key, value) => {
      values.set(key, value);
    },
  };
}

describe('nodePortAddressesContainIPv4Loopback', () => {
  it.each([
    [[], true],
    [['primary'], false],
    [['127.0.0.0/8'], true],
    [['127.0.0.1/32'], true],
    [['0.0.0.0/0'], true],
    [['10.0.0.0/8', '192.168.0.0/16'], false],
    [['::1/128'], false],
    [['127.0.0.2/32'], false],
  ])('%j → %s', (addresses, expected) => {
    expect(nodePortAddressesContainIPv4Loopback(addresses)).toBe(expected);
  });
});

describe('setUpSysctls', () => {
  const base = { ipFamily: 'IPv4' as const, localhostNodePorts: true, nodePortAddresses: [] };

  it('sets route_localnet when localhost node ports are served', async () => {
    const sysctl = memorySysctl({ 'net.ipv4.conf.all.route_localnet': '0', 'net.bridge.bridge-nf-call-iptables': '1' });
    expect(await setUpSysctls(sysctl, base, silentLogger())).toEqual({ routeLocalnetSet: true, bridgeNfCallIptables: '1' });
    expect(sysctl.values.get('net.ipv4.conf.all.route_localnet')).toBe('1');
  });

  it.each([
    ['localhost node ports off', { ...base, localhostNodePorts: false }],
    ['IPv6', { ...base, ipFamily: 'IPv6' as const }],
    ['node ports only on the primary IP', { ...base, nodePortAddresses: ['primary'] }],
  ])('leaves route_localnet alone with %s', async (_name, options) => {
    const sysctl = memorySysctl({ 'net.ipv4.conf.all.route_localnet': '0' });
    expect((await setUpSysctls(sysctl, options, silentLogger())).routeLocalnetSet).toBe(false);
    expect(sysctl.values.get('net.ipv4.conf.all.route_localnet')).toBe('0');
  });

  it('reports a missing br_netfilter without failing', async () => {
    const sysctl = memorySysctl({ 'net.ipv4.conf.all.route_localnet': '1' });
    expect(await setUpSysctls(sysctl, base, silentLogger())).toEqual({ routeLocalnetSet: false, bridgeNfCallIptables: undefined });
  });
});
