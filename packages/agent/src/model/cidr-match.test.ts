import { describe, expect, it } from 'vitest';
import { cidrContains, parseIPv6 } from './cidr-match.ts';

describe('cidrContains', () => {
  it.each([
    ['10.0.0.0/8', '10.180.0.1', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', '10.255.1.1', true],
    ['192.168.1.0/24', '192.168.1.255', true],
    ['192.168.1.0/24', '192.168.2.0', false],
    ['10.0.0.1/32', '10.0.0.1', true],
    ['203.0.113.0/25', '203.0.113.130', false],
    ['203.0.113.0/25', '203.0.113.2', true],
    ['0.0.0.0/0', '1.2.3.4', true],
    ['192.168.0.2', '192.168.0.2', true],
    ['127.0.0.0/8', '127.0.0.1', true],
    ['fd00:10::/64', 'fd00:10::5', true],
    ['fd00:10::/64', 'fd00:11::5', false],
    ['::/0', '2001:db8::1', true],
    ['::1/128', '::1', true],
    ['10.0.0.0/8', 'fd00::1', false],
    ['fd00::/8', '10.0.0.1', false],
    ['10.0.0.0/33', '10.0.0.1', false],
    ['not-a-cidr', '10.0.0.1', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(cidr, ip)).toBe(expected);
  });
});

describe('parseIPv6', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['2001:db8::1', 0x20010db8000000000000000000000001n],
    ['::ffff:10.0.0.1', 0xffff0a000001n],
  ])('%s', (text, value) => {
    expect(parseIPv6(text)).toBe(value);
  });

  it.each(['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'g::1'])('rejects %s', (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });
});
