import { describe, expect, it } from 'vitest';
import { formatIptablesPlan } from './render-plan-text.ts';
import { planIptables } from './plan.ts';
import { makeUpstreamOverallScenario } from '../../../../../test/helpers/state-builders.ts';
import { checkChains } from '../../../../../test/helpers/check-chains.ts';

describe('formatIptablesPlan', () => {
  const plan = planIptables(makeUpstreamOverallScenario());
  const text = formatIptablesPlan(plan);

  it('prints a header and the jump rules as comments, then the restore text unchanged', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('# kpx iptables plan (IPv4, full sync): iptables-restore --noflush input for the filter and nat tables.');
    expect(lines).toContain('#   -t nat -I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(lines).toContain('#   -t filter -I INPUT -j KUBE-FIREWALL');
    expect(text.endsWith(plan.restoreText)).toBe(true);
  });

  it('stays valid iptables-restore input (comments are # lines)', () => {
    expect(checkChains(text)).toEqual([]);
  });

  it('is deterministic', () => {
    expect(formatIptablesPlan(planIptables(makeUpstreamOverallScenario()))).toBe(text);
  });
});
