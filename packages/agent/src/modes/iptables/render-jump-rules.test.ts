import { describe, expect, it } from 'vitest';
import { planIptables } from './plan.ts';
import { makeNodeContext, makeState } from '../../../../../test/helpers/state-builders.ts';

describe('planJumpRules', () => {
  it('links every top-level chain from the built-in chains, as upstream’s iptablesJumpChains', () => {
    const plan = planIptables(makeState([]));
    const links = plan.jumpRules.map((rule) => `${rule.table} ${rule.chain} → ${rule.target}`);
    expect(links).toEqual([
      'filter INPUT → KUBE-EXTERNAL-SERVICES',
      'filter FORWARD → KUBE-EXTERNAL-SERVICES',
      'filter INPUT → KUBE-NODEPORTS',
      'filter FORWARD → KUBE-SERVICES',
      'filter OUTPUT → KUBE-SERVICES',
      'filter FORWARD → KUBE-FORWARD',
      'filter INPUT → KUBE-PROXY-FIREWALL',
      'filter OUTPUT → KUBE-PROXY-FIREWALL',
      'filter FORWARD → KUBE-PROXY-FIREWALL',
      'nat OUTPUT → KUBE-SERVICES',
      'nat PREROUTING → KUBE-SERVICES',
      'nat POSTROUTING → KUBE-POSTROUTING',
      'filter INPUT → KUBE-FIREWALL',
      'filter OUTPUT → KUBE-FIREWALL',
    ]);
    expect(plan.jumpRules.every((rule) => rule.position === 'prepend')).toBe(true);
    expect(plan.jumpRules[0]!.args).toEqual([
      '-m',
      'conntrack',
      '--ctstate',
      'NEW',
      '-m',
      'comment',
      '--comment',
      'kubernetes externally-visible service portals',
    ]);
  });

  it('leaves KUBE-FIREWALL alone when kpx does not fill it (no localhost node ports)', () => {
    const plan = planIptables(
      makeState(
        [],
        makeNodeContext((node) => (node.localhostNodePorts = false)),
      ),
    );
    expect(plan.jumpRules.some((rule) => rule.target === 'KUBE-FIREWALL')).toBe(false);
    expect(plan.ownedChains.filter).not.toContain('KUBE-FIREWALL');
    expect(plan.restoreText).not.toContain('KUBE-FIREWALL');
  });
});
