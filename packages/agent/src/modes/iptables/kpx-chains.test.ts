import { describe, expect, it } from 'vitest';
import { isKpxChain, rememberOwnedChains } from './kpx-chains.ts';

describe('isKpxChain', () => {
  it.each([
    ['KUBE-SERVICES', true],
    ['KUBE-SVC-ABCDEF0123456789', true],
    ['KUBE-SVL-ABCDEF0123456789', true],
    ['KUBE-EXT-ABCDEF0123456789', true],
    ['KUBE-FW-ABCDEF0123456789', true],
    ['KUBE-SEP-ABCDEF0123456789', true],
    ['KUBE-PROXY-CANARY', true],
    ['KUBE-EXTERNAL-SERVICES', true],
    ['KUBE-FIREWALL', false],
    ['KUBE-MARK-DROP', false],
    ['KUBE-KUBELET-CANARY', false],
    ['KUBE-IPTABLES-HINT', false],
    ['DOCKER', false],
    ['CNI-HOSTPORT-DNAT', false],
  ])('%s → %s', (chain, owned) => {
    expect(isKpxChain(chain)).toBe(owned);
  });

  it('also owns chains a plan declared', () => {
    expect(isKpxChain('KUBE-MARK-DROP', new Set(['KUBE-MARK-DROP']))).toBe(true);
  });
});

describe('rememberOwnedChains', () => {
  it('stays bounded while endpoint chains churn, and still makes the odd names kpx chains', () => {
    const seen = new Set<string>();
    for (let plan = 0; plan < 1000; plan++) {
      const endpointChain = `KUBE-SEP-${plan.toString(16).toUpperCase().padStart(16, '0')}`;
      rememberOwnedChains(seen, ['KUBE-SERVICES', 'KUBE-FIREWALL', 'KUBE-SVC-ABCDEF0123456789', endpointChain]);
    }
    expect([...seen]).toEqual(['KUBE-FIREWALL']);
    expect(isKpxChain('KUBE-FIREWALL', seen)).toBe(true);
  });
});
