import { describe, expect, it } from 'vitest';
import { selectKpxRules } from './observe.ts';

const NAT = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  ':DOCKER - [0:0]',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-SVC-AAA - [0:0]',
  ':KUBE-SEP-A1 - [0:0]',
  ':KUBE-SVC-BBB - [0:0]',
  ':KUBE-SEP-B1 - [0:0]',
  '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  '-A POSTROUTING -j DOCKER',
  '-A DOCKER -j RETURN',
  '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "ns/a:http cluster IP" -j KUBE-SVC-AAA',
  '-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m comment --comment "ns/a:https cluster IP" -j KUBE-SVC-BBB',
  '-A KUBE-SVC-AAA -m comment --comment "ns/a:http -> 10.0.0.1:80" -j KUBE-SEP-A1',
  '-A KUBE-SEP-A1 -p tcp -m comment --comment ns/a:http -j DNAT --to-destination 10.0.0.1:80',
  '-A KUBE-SVC-BBB -m comment --comment "ns/a:https -> 10.0.0.1:443" -j KUBE-SEP-B1',
  '-A KUBE-SEP-B1 -p tcp -m comment --comment ns/a:https -j DNAT --to-destination 10.0.0.1:443',
  'COMMIT',
  '',
].join('\n');

describe('selectKpxRules', () => {
  it("keeps kpx chains and the jumps into them, not other programs' rules", () => {
    const text = selectKpxRules(NAT, 'nat');
    expect(text).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n');
    expect(text).toContain(':KUBE-SEP-B1 - [0:0]\n');
    expect(text).not.toContain('DOCKER');
    expect(text.startsWith('*nat\n')).toBe(true);
    expect(text.endsWith('COMMIT\n')).toBe(true);
  });

  it('narrows to one service port, not one whose name shares a prefix', () => {
    expect(selectKpxRules(NAT, 'nat', 'ns/a:http')).toBe(
      [
        '*nat',
        ':KUBE-SVC-AAA - [0:0]',
        ':KUBE-SEP-A1 - [0:0]',
        '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "ns/a:http cluster IP" -j KUBE-SVC-AAA',
        '-A KUBE-SVC-AAA -m comment --comment "ns/a:http -> 10.0.0.1:80" -j KUBE-SEP-A1',
        '-A KUBE-SEP-A1 -p tcp -m comment --comment ns/a:http -j DNAT --to-destination 10.0.0.1:80',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('is empty for an unknown service or table', () => {
    expect(selectKpxRules(NAT, 'nat', 'ns/none')).toBe('');
    expect(selectKpxRules(NAT, 'filter')).toBe('');
  });
});
