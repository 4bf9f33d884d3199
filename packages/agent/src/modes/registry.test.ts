import { describe, expect, it } from 'vitest';
import { availableModeNames, describeUnavailableMode, findMode, PLANNED_MODES } from './registry.ts';
import { makeUpstreamOverallScenario } from '../../../../test/helpers/state-builders.ts';

describe('mode registry', () => {
  it('finds the iptables mode, whose plan formats to restore text', () => {
    const mode = findMode('iptables');
    expect(mode?.name).toBe('iptables');
    const text = mode!.format(mode!.plan(makeUpstreamOverallScenario()));
    expect(text).toContain('\n*filter\n');
    expect(text).toMatch(/COMMIT\n$/);
  });

  it.each(['ipvs', 'userspace', 'nftables'])('offers the %s mode, whose plan formats to text', (name) => {
    const mode = findMode(name);
    expect(mode?.name).toBe(name);
    expect(mode!.format(mode!.plan(makeUpstreamOverallScenario())).length).toBeGreaterThan(0);
  });

  it('has no planned mode left', () => {
    expect(PLANNED_MODES.size).toBe(0);
  });

  it('names the available modes for anything else', () => {
    expect(findMode('bogus')).toBeUndefined();
    expect(availableModeNames()).toEqual(['iptables', 'ipvs', 'nftables', 'userspace']);
    expect(describeUnavailableMode('bogus')).toBe('unknown mode "bogus" (available: iptables, ipvs, nftables, userspace)');
  });
});
