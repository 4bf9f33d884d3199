import { describe, expect, it } from 'vitest';
import { defaultKubeProxyConfig } from '../config/kube-proxy-config.ts';
import { conntrackSysctls, NF_CONNTRACK_MAX } from './conntrack-sysctls.ts';

describe('conntrackSysctls (upstream setupConntrack)', () => {
  const defaults = defaultKubeProxyConfig().conntrack;

  it('applies kube-proxy defaults: max from 32768 per core with a 131072 floor, established 24h, close-wait 1h', () => {
    expect(conntrackSysctls(defaults, 2, { includeGlobal: true })).toEqual([
      { key: NF_CONNTRACK_MAX, value: '131072' },
      { key: 'net.netfilter.nf_conntrack_tcp_timeout_established', value: '86400' },
      { key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait', value: '3600' },
    ]);
    expect(conntrackSysctls(defaults, 8, { includeGlobal: true })[0]).toEqual({ key: NF_CONNTRACK_MAX, value: '262144' });
  });

  it('leaves the limit alone with maxPerCore 0, and the global key out inside a namespace', () => {
    expect(conntrackSysctls({ ...defaults, maxPerCore: 0 }, 4, { includeGlobal: true }).map((s) => s.key)).not.toContain(NF_CONNTRACK_MAX);
    expect(conntrackSysctls(defaults, 4, { includeGlobal: false }).map((s) => s.key)).not.toContain(NF_CONNTRACK_MAX);
  });

  it('sets UDP timeouts and be_liberal only when configured', () => {
    const settings = conntrackSysctls(
      { ...defaults, tcpBeLiberal: true, udpTimeoutMs: 30_000, udpStreamTimeoutMs: 120_000, tcpEstablishedTimeoutMs: 0, tcpCloseWaitTimeoutMs: 0 },
      1,
      { includeGlobal: false },
    );
    expect(settings).toEqual([
      { key: 'net.netfilter.nf_conntrack_tcp_be_liberal', value: '1' },
      { key: 'net.netfilter.nf_conntrack_udp_timeout', value: '30' },
      { key: 'net.netfilter.nf_conntrack_udp_timeout_stream', value: '120' },
    ]);
  });
});
