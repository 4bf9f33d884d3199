import { describe, expect, it } from 'vitest';
import { isParsedCIDR, parseCIDR } from './cidr.ts';

describe('parseCIDR', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', 'IPv4', 8],
    ['10.1.2.3/8', '10.0.0.0/8', 'IPv4', 8],
    ['192.168.1.129/25', '192.168.1.128/25', 'IPv4', 25],
    ['0.0.0.0/0', '0.0.0.0/0', 'IPv4', 0],
    ['1.2.3.4/32', '1.2.3.4/32', 'IPv4', 32],
    ['2001:DB8::1/32', '2001:db8::/32', 'IPv6', 32],
    ['2001:db8:abcd:1234::/50', '2001:db8:abcd::/50', 'IPv6', 50],
    ['::/0', '::/0', 'IPv6', 0],
    ['fd00::1/128', 'fd00::1/128', 'IPv6', 128],
  ])('accepts %j as %j', (text, cidr, family, prefixLength) => {
    expect(parseCIDR(text)).toEqual({ cidr, family, prefixLength });
  });

  it.each([
    ['', 'empty'],
    ['10.0.0.0', 'no prefix'],
    ['10.0.0.0/', 'empty prefix'],
    ['10.0.0.0/33', 'prefix too long'],
    ['10.0.0.0/08', 'leading zero in prefix'],
    ['010.0.0.0/8', 'leading zero in address'],
    ['10.0.0.0/8 -j ACCEPT', 'injection'],
    ['10.0.0.0/8\n', 'newline'],
    [' 10.0.0.0/8', 'space (callers trim where upstream does)'],
    ['10.0.0.0/8/8', 'two slashes'],
    ['10.0.0.0/-1', 'negative prefix'],
    ['::/129', 'IPv6 prefix too long'],
    ['fe80::%eth0/64', 'zone'],
    ['::ffff:10.0.0.0/104', 'IPv4-mapped'],
    ['10.0.0.0/+8', 'signed prefix'],
  ])('rejects %j (%s)', (text) => {
    expect(isParsedCIDR(parseCIDR(text))).toBe(false);
  });
});
