import { describe, expect, it } from 'vitest';
import { assertChainsValid, checkChains } from './check-chains.ts';

const valid = `*filter
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SVC-XPGD46QRK7WJZT7O -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
COMMIT
`;

describe('checkChains', () => {
  it('accepts a consistent ruleset', () => {
    expect(checkChains(valid)).toEqual([]);
    expect(() => assertChainsValid(valid)).not.toThrow();
  });

  it.each([
    ['a jump to an undeclared chain', valid.replace(':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n', ''), 'jumps to undeclared chain KUBE-SVC-XPGD46QRK7WJZT7O'],
    ['rules in an undeclared chain', valid.replace(':KUBE-MARK-MASQ - [0:0]\n', ''), 'rule added to undeclared chain KUBE-MARK-MASQ'],
    ['a jump to a chain with no rules', valid.replace(/-A KUBE-SVC-XPGD46QRK7WJZT7O .*\n/, ''), 'KUBE-SVC-XPGD46QRK7WJZT7O, which has no rules'],
    ['a declared service chain nobody uses', valid.replace(/-A KUBE-SERVICES .*\n/, ''), 'KUBE-SVC-XPGD46QRK7WJZT7O is declared but nothing jumps to it'],
    ['a missing COMMIT', valid.replace(/COMMIT\n$/, ''), 'table nat has no COMMIT'],
    [
      'a jump to a chain deleted in the same payload',
      valid.replace('COMMIT\n', 'COMMIT\n').replace(/COMMIT\n$/, '-X KUBE-SVC-XPGD46QRK7WJZT7O\nCOMMIT\n'),
      'jumps to undeclared chain KUBE-SVC-XPGD46QRK7WJZT7O',
    ],
    ['an unknown command', valid.replace('*filter\n', '*filter\n-I INPUT -j ACCEPT\n'), 'unknown command'],
  ])('rejects %s', (_name, text, problem) => {
    expect(checkChains(text).join('\n')).toContain(problem);
    expect(() => assertChainsValid(text)).toThrow(problem);
  });

  it('accepts jumps to chains that already exist when told so (partial syncs)', () => {
    const partial = `*nat
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d 172.30.0.41 -j KUBE-SVC-XPGD46QRK7WJZT7O
COMMIT
`;
    expect(checkChains(partial)).not.toEqual([]);
    expect(checkChains(partial, { existingChains: { nat: ['KUBE-SVC-XPGD46QRK7WJZT7O'] } })).toEqual([]);
    expect(checkChains(partial, { existingChains: { filter: ['KUBE-SVC-XPGD46QRK7WJZT7O'] } })).not.toEqual([]);
  });
});
