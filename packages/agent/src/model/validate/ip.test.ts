import { describe, expect, it } from 'vitest';
import { isParsedIP, parseIP, parseIPSloppy } from './ip.ts';

describe('parseIP', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', 'IPv4'],
    ['0.0.0.0', '0.0.0.0', 'IPv4'],
    ['255.255.255.255', '255.255.255.255', 'IPv4'],
    ['::', '::', 'IPv6'],
    ['::1', '::1', 'IPv6'],
    ['2001:DB8::1', '2001:db8::1', 'IPv6'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1', 'IPv6'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1', 'IPv6'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1', 'IPv6'],
    ['2001:db8:1:0:1:1:1:1', '2001:db8:1:0:1:1:1:1', 'IPv6'],
    ['fd00::', 'fd00::', 'IPv6'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', 'IPv6'],
    ['::1.2.3.4', '::102:304', 'IPv6'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 'IPv6'],
  ])('accepts %j as %j (%s)', (text, canonical, family) => {
    expect(parseIP(text)).toEqual({ ip: canonical, family });
  });

  it.each([
    ['', 'empty'],
    ['10.0.0.1 -j ACCEPT', 'rule injection'],
    ['10.0.0.1\n-A KUBE-SERVICES -j ACCEPT', 'newline injection'],
    [' 10.0.0.1', 'leading space'],
    ['10.0.0.1 ', 'trailing space'],
    ['010.0.0.1', 'leading zero'],
    ['10.0.0.01', 'leading zero in last octet'],
    ['10.0.0.256', 'octet over 255'],
    ['10.0.0', 'three octets'],
    ['10.0.0.1.2', 'five octets'],
    ['10..0.1', 'empty octet'],
    ['1e1.0.0.1', 'exponent'],
    ['0x0a.0.0.1', 'hex octet'],
    ['10.0.0.-1', 'negative'],
    ['fe80::1%eth0', 'zone'],
    ['[::1]', 'brackets'],
    ['::ffff:10.0.0.1', 'IPv4-mapped'],
    ['1::2::3', 'two ::'],
    ['12345::', 'group of five digits'],
    ['1:2:3:4:5:6:7:8:9', 'nine groups'],
    ['1:2:3:4:5:6:7', 'seven groups without ::'],
    ['1:2:3:4:5:6:7:8::', ':: with eight groups'],
    [':1:2:3:4:5:6:7', 'leading single colon'],
    ['1.2.3.4::', 'IPv4 before ::'],
    ['::1.2.3.04', 'leading zero in embedded IPv4'],
    ['g::1', 'non-hex'],
    ['10.0.0.1/32', 'CIDR'],
    ['localhost', 'name'],
    ['١٠.0.0.1', 'non-ASCII digits'],
  ])('rejects %j (%s)', (text) => {
    const result = parseIP(text);
    expect(isParsedIP(result)).toBe(false);
    expect(result).toHaveProperty('error');
  });

  it('names the reason for zones and mapped addresses', () => {
    expect(parseIP('fe80::1%eth0')).toEqual({ error: 'must not include an IPv6 zone' });
    expect(parseIP('::ffff:1.2.3.4')).toEqual({ error: 'must not be an IPv4-mapped IPv6 address' });
  });
});

describe('parseIPSloppy (upstream netutils.ParseIPSloppy)', () => {
  it.each([
    ['172.30.0.041', '172.30.0.41'],
    ['010.096.000.001', '10.96.0.1'],
    ['192.168.1.0255', '192.168.1.255'],
    ['1.2.3.00000004', '1.2.3.4'],
  ])('reads the legacy literal %s as decimal %s', (text, ip) => {
    expect(parseIPSloppy(text)).toEqual({ ip, family: 'IPv4', legacy: true });
  });

  it.each([
    ['10.96.0.1', '10.96.0.1', 'IPv4'],
    ['FD00::0:1', 'fd00::1', 'IPv6'],
  ])('reads the strict literal %s as parseIP does', (text, ip, family) => {
    expect(parseIPSloppy(text)).toEqual({ ip, family, legacy: false });
  });

  it.each(['172.30.0.0256', '1.2.3', '1.2.3.4.5', '0x1.2.3.4', '1.2.3.-4', ' 1.2.3.04', '::ffff:1.2.3.4'])('rejects %j', (text) => {
    expect(isParsedIP(parseIPSloppy(text))).toBe(false);
  });
});
