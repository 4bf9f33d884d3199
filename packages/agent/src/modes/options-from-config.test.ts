import { describe, expect, it } from 'vitest';
import { defaultKubeProxyConfig } from '../config/kube-proxy-config.ts';
import { findMode } from './registry.ts';

const NO_FLAGS = { userspaceTcpIdleTimeoutMs: 0, serviceProxyName: '' };

describe('each mode reads its own options from the configuration', () => {
  it('gives the userspace mode (and its netns agent) the configured UDP and TCP idle timeouts', () => {
    const config = { ...defaultKubeProxyConfig(), udpIdleTimeoutMs: 1234 };
    const userspace = findMode('userspace');
    expect(userspace?.name).toBe('userspace');
    expect(userspace!.optionsFromConfig(config, NO_FLAGS)).toEqual({ udpIdleTimeoutMs: 1234, tcpIdleTimeoutMs: 0 });
    expect(userspace!.optionsFromConfig(config, { ...NO_FLAGS, userspaceTcpIdleTimeoutMs: 600_000 })).toEqual({
      udpIdleTimeoutMs: 1234,
      tcpIdleTimeoutMs: 600_000,
    });
  });

  it("gives the ipvs mode kube-proxy's ipvs section", () => {
    const defaults = defaultKubeProxyConfig();
    const config = { ...defaults, ipvs: { ...defaults.ipvs, scheduler: 'sh', strictARP: true, excludeCIDRs: ['10.0.0.0/8'], tcpTimeoutMs: 900_000 } };
    expect(findMode('ipvs')!.optionsFromConfig(config, NO_FLAGS)).toEqual({
      scheduler: 'sh',
      strictARP: true,
      excludeCIDRs: ['10.0.0.0/8'],
      tcpTimeoutMs: 900_000,
      tcpFinTimeoutMs: defaults.ipvs.tcpFinTimeoutMs,
      udpTimeoutMs: defaults.ipvs.udpTimeoutMs,
    });
  });

  it("names the nftables table after --service-proxy-name (kube-proxy's own otherwise) and passes tcp_be_liberal", () => {
    const defaults = defaultKubeProxyConfig();
    const nftables = findMode('nftables')!;
    expect(nftables.optionsFromConfig(defaults, NO_FLAGS)).toEqual({ tableName: 'kube-proxy', tcpBeLiberal: false });
    const liberal = { ...defaults, conntrack: { ...defaults.conntrack, tcpBeLiberal: true } };
    expect(nftables.optionsFromConfig(liberal, { ...NO_FLAGS, serviceProxyName: 'kpx' })).toEqual({ tableName: 'kpx', tcpBeLiberal: true });
  });

  it('leaves the iptables mode without options of its own', () => {
    expect(findMode('iptables')!.optionsFromConfig(defaultKubeProxyConfig(), NO_FLAGS)).toEqual({});
  });
});
