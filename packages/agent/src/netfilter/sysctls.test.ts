import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { Sysctl } from '../sys/sysctl.ts';
import { newNodePortAddresses } from '../model/node-port-addresses.ts';
import { setUpSysctls } from './sysctls.ts';

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

describe('setUpSysctls', () => {
  const base = { ipFamily: 'IPv4' as const, localhostNodePorts: true, nodePortAddresses: newNodePortAddresses('IPv4', [], undefined) };

  it('sets route_localnet when localhost node ports are served', async () => {
    const sysctl = memorySysctl({ 'net.ipv4.conf.all.route_localnet': '0', 'net.bridge.bridge-nf-call-iptables': '1' });
    expect(await setUpSysctls(sysctl, base, silentLogger())).toEqual({ routeLocalnetSet: true, bridgeNfCallIptables: '1' });
    expect(sysctl.values.get('net.ipv4.conf.all.route_localnet')).toBe('1');
  });

  it.each([
    ['localhost node ports off', { ...base, localhostNodePorts: false }],
    ['IPv6', { ...base, ipFamily: 'IPv6' as const }],
    ['node ports only on the primary IP', { ...base, nodePortAddresses: newNodePortAddresses('IPv4', ['primary'], '192.168.0.2') }],
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
