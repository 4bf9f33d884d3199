import { describe, expect, it } from 'vitest';
import { planChainRemoval } from './chain-removal.ts';
import { parseSaveText, type SavedTable } from './saved-ruleset.ts';

/** Enough of kpx's ownership for these tables: every KUBE- chain here is kube-proxy's. */
const isKpxChain = (chain: string): boolean => chain.startsWith('KUBE-');

function table(text: string): SavedTable {
  const saved = parseSaveText(`*nat\n${text}\nCOMMIT\n`).get('nat');
  if (saved === undefined) throw new Error('no table');
  return saved;
}

const SAVED = table(
  [
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-SVC-OLD - [0:0]',
    ':KUBE-SEP-OLD - [0:0]',
    ':KUBE-SVC-LIVE - [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -j DOCKER',
    '-A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-OLD',
    '-A KUBE-SVC-OLD -j KUBE-SEP-OLD',
    '-A KUBE-SEP-OLD -p tcp -j DNAT --to-destination 10.0.0.1:80',
    '-A DOCKER -j RETURN',
  ].join('\n'),
);

describe('planChainRemoval', () => {
  it('removes stale service chains referenced only by chains the payload flushes', () => {
    const removal = planChainRemoval(SAVED, (chain) => isKpxChain(chain) && chain !== 'KUBE-SERVICES' && chain !== 'KUBE-SVC-LIVE', new Set(['KUBE-SERVICES']));
    expect(removal).toEqual({ chains: ['KUBE-SEP-OLD', 'KUBE-SVC-OLD'], unlinkRules: [], keptChains: [] });
  });

  it('keeps a stale chain still referenced from a kpx chain the payload does not flush', () => {
    const removal = planChainRemoval(SAVED, (chain) => chain === 'KUBE-SVC-OLD' || chain === 'KUBE-SEP-OLD');
    expect(removal.chains).toEqual([]);
    expect(removal.keptChains).toEqual([
      { chain: 'KUBE-SEP-OLD', referencedFrom: 'KUBE-SVC-OLD' },
      { chain: 'KUBE-SVC-OLD', referencedFrom: 'KUBE-SERVICES' },
    ]);
  });

  it('for cleanup: removes every kpx chain and unlinks the jumps from built-in chains, never touching DOCKER', () => {
    const removal = planChainRemoval(SAVED, (chain) => isKpxChain(chain));
    expect(removal.chains).toEqual(['KUBE-SEP-OLD', 'KUBE-SERVICES', 'KUBE-SVC-LIVE', 'KUBE-SVC-OLD']);
    expect(removal.unlinkRules).toEqual(['-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
  });

  it("keeps a kpx chain another program's chain jumps to, and what it reaches", () => {
    const saved = table(
      [':FOREIGN - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-SVC-A - [0:0]', '-A FOREIGN -j KUBE-SERVICES', '-A KUBE-SERVICES -j KUBE-SVC-A'].join('\n'),
    );
    const removal = planChainRemoval(saved, (chain) => isKpxChain(chain));
    expect(removal.chains).toEqual([]);
    expect(removal.keptChains).toEqual([
      { chain: 'KUBE-SERVICES', referencedFrom: 'FOREIGN' },
      { chain: 'KUBE-SVC-A', referencedFrom: 'KUBE-SERVICES' },
    ]);
  });

  it('never removes a built-in chain even if asked', () => {
    expect(planChainRemoval(SAVED, () => true).chains).not.toContain('PREROUTING');
  });
});
