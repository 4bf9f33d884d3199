import { describe, expect, it } from 'vitest';
import { availableModeNames, describeUnavailableMode, findMode, PLANNED_MODES } from './registry.ts';
import { makeUpstreamOverallScenario } from '../../../../test/helpers/state-builders.ts';
import { defaultKubeProxyConfig } from '../config/kube-proxy-config.ts';

const NO_FLAGS = { userspaceTcpIdleTimeoutMs: 0, serviceProxyName: '' };

describe('mode registry', () => {
  it('finds the iptables mode, whose plan formats to restore text', () => {
    const mode = findMode('iptables');
    expect(mode?.name).toBe('iptables');
    const text = mode!.format(mode!.plan(makeUpstreamOverallScenario(), mode!.optionsFromConfig(defaultKubeProxyConfig(), NO_FLAGS)));
    expect(text).toContain('\n*filter\n');
    expect(text).toMatch(/COMMIT\n$/);
  });

  it.each(['ipvs', 'userspace', 'nftables'])('offers the %s mode, whose plan formats to text', (name) => {
    const mode = findMode(name);
    expect(mode?.name).toBe(name);
    const options = mode!.optionsFromConfig(defaultKubeProxyConfig(), NO_FLAGS);
    expect(mode!.format(mode!.plan(makeUpstreamOverallScenario(), options)).length).toBeGreaterThan(0);
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
