import { describe, expect, it } from 'vitest';
import { decodeConfigFile } from './decode-config-file.ts';
import { encodeConfig } from './encode-config.ts';
import { defaultKubeProxyConfig, type KubeProxyConfig } from './kube-proxy-config.ts';
import { parseFlags } from './parse-flags.ts';
import { flagsFor } from './flag-table.ts';
import { resolveConfig } from './resolve-config.ts';

function roundTrip(config: KubeProxyConfig): KubeProxyConfig {
  const decoded = decodeConfigFile(JSON.parse(JSON.stringify(encodeConfig(config))), 'encoded');
  expect(decoded.errors).toEqual([]);
  const { resolved, errors } = resolveConfig(decoded, parseFlags([], flagsFor('run')));
  expect(errors).toEqual([]);
  return resolved.config;
}

describe('encodeConfig', () => {
  it('writes v1alpha1 field names and Go durations', () => {
    const document = encodeConfig(defaultKubeProxyConfig());
    expect(document).toMatchObject({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      iptables: { syncPeriod: '30s', minSyncPeriod: '1s', masqueradeBit: 14, localhostNodePorts: true },
      conntrack: { tcpEstablishedTimeout: '24h0m0s', tcpCloseWaitTimeout: '1h0m0s', maxPerCore: 32768 },
      configSyncPeriod: '15m0s',
      healthzBindAddress: '0.0.0.0:10256',
    });
  });

  it('round-trips the defaults and a configuration set by flags', () => {
    expect(roundTrip(defaultKubeProxyConfig())).toEqual(defaultKubeProxyConfig());
    const flags = parseFlags(
      [
        '--proxy-mode=ipvs',
        '--ipvs-scheduler=wrr',
        '--ipvs-sync-period=1m30s',
        '--masquerade-all',
        '--nodeport-addresses=10.0.0.0/8',
        '--conntrack-udp-timeout=250ms',
        '-v=3',
        '--cluster-cidr=10.244.0.0/16',
      ],
      flagsFor('run'),
    );
    const { resolved, errors } = resolveConfig(undefined, flags);
    expect(errors).toEqual([]);
    expect(roundTrip(resolved.config)).toEqual(resolved.config);
  });
});
