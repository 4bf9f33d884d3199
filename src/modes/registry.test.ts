import { describe, expect, it } from 'vitest';
import { availableModeNames, describeUnavailableMode, findMode, PLANNED_MODES } from './registry.ts';
import { makeUpstreamOverallScenario } from '../../test/helpers/state-builders.ts';

describe('mode registry', () => {
  it('finds the iptables mode, whose plan formats to restore text', () => {
    const mode = findMode('iptables');
    expect(mode?.name).toBe('iptables');
    const text = mode!.format(mode!.plan(makeUpstreamOverallScenario()));
    expect(text).toContain('\n*filter\n');
    expect(text).toMatch(/COMMIT\n$/);
  });

  it('knows ipvs and userspace as planned, with their issues, but does not offer them', () => {
    expect(findMode('ipvs')).toBeUndefined();
    expect(findMode('userspace')).toBeUndefined();
    expect(PLANNED_MODES.get('ipvs')).toEqual({ issue: 7 });
    expect(describeUnavailableMode('userspace')).toBe('mode "userspace" is not implemented yet (it comes with issue 6)');
  });

  it('names the available modes for anything else', () => {
    expect(findMode('bogus')).toBeUndefined();
    expect(availableModeNames()).toEqual(['iptables']);
    expect(describeUnavailableMode('bogus')).toBe('unknown mode "bogus" (available: iptables)');
  });
});
