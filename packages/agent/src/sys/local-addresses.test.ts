import { describe, expect, it } from 'vitest';
import { parseLocalAddresses } from './local-addresses.ts';

const IP_ADDR = JSON.stringify([
  {
    ifname: 'lo',
    addr_info: [
      { family: 'inet', local: '127.0.0.1' },
      { family: 'inet6', local: '::1' },
    ],
  },
  {
    ifname: 'eth0',
    addr_info: [
      { family: 'inet', local: '192.168.1.5' },
      { family: 'inet', local: '10.1.0.7' },
      { family: 'inet6', local: 'fe80::1' },
    ],
  },
  { ifname: 'kube-ipvs0', addr_info: [{ family: 'inet', local: '10.96.0.1' }] },
  { ifname: 'kpx-svc0', addr_info: [{ family: 'inet', local: '10.96.0.2' }] },
  {
    ifname: 'eth1',
    addr_info: [
      { family: 'inet', local: '192.168.1.5' },
      { family: 'inet', local: 'bogus' },
    ],
  },
  { ifname: 'eth2' },
]);

describe('parseLocalAddresses (ip -j addr show)', () => {
  it.each([
    ['IPv4', ['127.0.0.1', '192.168.1.5', '10.1.0.7']],
    ['IPv6', ['::1', 'fe80::1']],
  ] as const)('lists the %s addresses once each, without the service-IP interfaces', (family, addresses) => {
    expect(parseLocalAddresses(IP_ADDR, family)).toEqual(addresses);
  });

  it('reads an empty or odd listing as no address', () => {
    expect(parseLocalAddresses('[]', 'IPv4')).toEqual([]);
    expect(parseLocalAddresses('{}', 'IPv4')).toEqual([]);
  });
});
