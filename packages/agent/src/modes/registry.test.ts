import { describe, expect, it } from 'vitest';
import { availableModeNames, describeUnavailableMode, findMode, PLANNED_MODES } from './registry.ts';
import { makeUpstreamOverallScenario } from '../../../../test/helpers/state-builders.ts';
import { defaultKubeProxyConfig } from '../config/kube-proxy-config.ts';

const NO_FLAGS = { userspaceTcpIdleTimeoutMs: 0 };

describe('mode registry', () => {
  it('finds the iptables mode, whose plan formats to restore text', () => {
    const mode = findMode('iptables');
    expect(mode?.name).toBe('iptables');
    const text = mode!.format(mode!.plan(makeUpstreamOverallScenario(), mode!.optionsFromConfig(defaultKubeProxyConfig(), NO_FLAGS)));
    expect(text).toContain('\n*filter\n');
    expect(text).toMatch(/COMMIT\n$/);
  });

  it.each(['ipvs', 'userspace'])('offers the %s mode, whose plan formats to text', (name) => {
    const mode = findMode(name);
    expect(mode?.name).toBe(name);
    const options = mode!.optionsFromConfig(defaultKubeProxyConfig(), NO_FLAGS);
    expect(mode!.format(mode!.plan(makeUpstreamOverallScenario(), options)).length).toBeGreaterThan(0);
  });

  it('knows nftables as planned but does not offer it', () => {
    expect(findMode('nftables')).toBeUndefined();
    expect(PLANNED_MODES.has('nftables')).toBe(true);
    expect(describeUnavailableMode('nftables')).toBe('mode "nftables" is not implemented yet (available: iptables, ipvs, userspace)');
  });

  it('names the available modes for anything else', () => {
    expect(findMode('bogus')).toBeUndefined();
    expect(availableModeNames()).toEqual(['iptables', 'ipvs', 'userspace']);
    expect(describeUnavailableMode('bogus')).toBe('unknown mode "bogus" (available: iptables, ipvs, userspace)');
  });
});
