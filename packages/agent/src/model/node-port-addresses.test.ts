import { describe, expect, it } from 'vitest';
import { makeNodeContext } from '../../../../test/helpers/state-builders.ts';
import type { IPFamily } from './types.ts';
import { isLinkLocalIPv6, newNodePortAddresses, nodeIPsIn, nodePortAddressesOf, nodePortCandidates } from './node-port-addresses.ts';

describe('newNodePortAddresses', () => {
  it.each<[readonly string[], IPFamily, readonly string[] | undefined]>([
    [[], 'IPv4', undefined],
    [['0.0.0.0/0'], 'IPv4', undefined],
    [['primary'], 'IPv4', ['192.168.0.2/32']],
    [['192.168.0.0/24', 'fd00::/64'], 'IPv4', ['192.168.0.0/24']],
    [['fd00::/64'], 'IPv4', undefined],
    [['192.168.0.0/24', '::/0'], 'IPv6', undefined],
    [['192.168.0.0/24', 'fd00::/64'], 'IPv6', ['fd00::/64']],
    [['10.0.0.0/8', '::/0', '0.0.0.0/0', '192.168.0.0/16'], 'IPv4', undefined],
  ])('%j for %s: the CIDRs of the family, or MatchAll (undefined)', (entries, family, cidrs) => {
    const addresses = newNodePortAddresses(family, entries, '192.168.0.2');
    expect(addresses.family).toBe(family);
    expect(addresses.matchAll ? undefined : addresses.cidrs).toEqual(cidrs);
    if (addresses.matchAll) expect(addresses.cidrs).toEqual([family === 'IPv4' ? '0.0.0.0/0' : '::/0']);
  });

  it.each<[readonly string[], IPFamily, boolean]>([
    [[], 'IPv4', true],
    [['primary'], 'IPv4', false],
    [['127.0.0.0/8'], 'IPv4', true],
    [['127.0.0.1/32'], 'IPv4', true],
    [['0.0.0.0/0'], 'IPv4', true],
    [['10.0.0.0/8', '192.168.0.0/16'], 'IPv4', false],
    // No IPv4 CIDR at all: upstream falls back to 0.0.0.0/0, which holds loopback.
    [['::1/128'], 'IPv4', true],
    // upstream: cidr.IP.IsLoopback() — any 127/8 address counts.
    [['127.0.0.2/32'], 'IPv4', true],
    [['100.64.0.0/10'], 'IPv4', false],
    [['0.0.0.0/1'], 'IPv4', true],
    [[], 'IPv6', false],
    [['::1/128'], 'IPv6', false],
  ])('%j for %s contains IPv4 loopback: %s', (entries, family, expected) => {
    expect(newNodePortAddresses(family, entries, '192.168.0.2').containsIPv4Loopback).toBe(expected);
  });

  it.each<[string | undefined, readonly string[] | undefined]>([
    ['fd00::2', undefined],
    [undefined, undefined],
    ['10.0.0.1', ['10.0.0.1/32']],
  ])('resolves primary through the primary IP %s (none of the family: MatchAll)', (primaryIP, cidrs) => {
    const addresses = newNodePortAddresses('IPv4', ['primary'], primaryIP);
    expect(addresses.matchAll ? undefined : addresses.cidrs).toEqual(cidrs);
  });
});

describe('nodeIPsIn over the node IPs', () => {
  it.each<[readonly string[], readonly string[]]>([
    [[], ['192.168.0.2', '10.250.0.10']],
    [['primary'], ['192.168.0.2']],
    [['10.250.0.0/24'], ['10.250.0.10']],
    [['fd00::/64'], ['192.168.0.2', '10.250.0.10']],
    [['172.16.0.0/12'], []],
  ])('%j', (entries, expected) => {
    const node = makeNodeContext((n) => {
      n.nodeIPs = ['192.168.0.2', '10.250.0.10'];
      n.nodePortAddresses = entries;
    });
    expect(nodeIPsIn(nodePortAddressesOf(node), node.nodeIPs)).toEqual(expected);
  });

  it('names each address once, in the order given', () => {
    const addresses = newNodePortAddresses('IPv4', ['127.0.0.0/8', '10.0.0.0/8'], undefined);
    expect(nodeIPsIn(addresses, ['127.0.0.1', '10.0.0.1', '127.0.0.1', '192.168.0.1'])).toEqual(['127.0.0.1', '10.0.0.1']);
  });
});

describe('nodePortCandidates', () => {
  it('puts the interface addresses read by I/O first, then the node IPs, each once', () => {
    const node = makeNodeContext((context) => {
      context.nodeIPs = ['192.168.0.2'];
      context.localAddresses = ['127.0.0.1', '192.168.0.2', '10.1.0.7'];
    });
    expect(nodePortCandidates(node)).toEqual(['127.0.0.1', '192.168.0.2', '10.1.0.7']);
    expect(nodePortCandidates(makeNodeContext())).toEqual(['192.168.0.2']);
  });
});

describe('isLinkLocalIPv6', () => {
  it.each([
    ['fe80::1', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['fd00::1', false],
    ['169.254.0.1', false],
  ])('%s: %s', (ip, expected) => {
    expect(isLinkLocalIPv6(ip)).toBe(expected);
  });
});
