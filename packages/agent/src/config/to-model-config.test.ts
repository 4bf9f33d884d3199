import { describe, expect, it } from 'vitest';
import { parseFlags } from './parse-flags.ts';
import { flagsFor } from './flag-table.ts';
import { resolveConfig, type ResolvedConfig } from './resolve-config.ts';
import { primaryIPFamily, resolveNodeName, servedIPFamilies, toModelConfig, toModelConfigs } from './to-model-config.ts';

function resolved(argv: string[]): ResolvedConfig {
  const flags = parseFlags(argv, flagsFor('render'));
  expect(flags.errors).toEqual([]);
  const result = resolveConfig(undefined, flags);
  expect(result.errors).toEqual([]);
  return result.resolved;
}

function node(addresses: [type: string, address: string][], podCIDRs: string[] = []) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    spec: { podCIDRs },
    status: { addresses: addresses.map(([type, address]) => ({ type, address })) },
  };
}

describe('toModelConfig', () => {
  it('maps kube-proxy defaults', () => {
    expect(toModelConfig(resolved([]), { osHostname: 'Worker-1.Example ' })).toEqual({
      hostname: 'worker-1.example',
      ipFamily: 'IPv4',
      nodeIPOverride: [],
      detectLocal: { mode: 'None' },
      masqueradeAll: false,
      masqueradeBit: 14,
      nodePortAddresses: [],
      localhostNodePorts: true,
      serviceProxyName: '',
    });
  });

  it('maps the flags that shape the desired state', () => {
    const config = toModelConfig(
      resolved([
        '--hostname-override=Node-A',
        '--cluster-cidr=10.244.0.0/16,fd00:10:244::/56',
        '--masquerade-all',
        '--iptables-masquerade-bit=12',
        '--nodeport-addresses=primary',
        '--iptables-localhost-nodeports=false',
        '--service-proxy-name=kpx',
      ]),
      { osHostname: 'ignored' },
    );
    expect(config).toEqual({
      hostname: 'node-a',
      ipFamily: 'IPv4',
      nodeIPOverride: [],
      detectLocal: { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] },
      masqueradeAll: true,
      masqueradeBit: 12,
      nodePortAddresses: ['primary'],
      localhostNodePorts: false,
      serviceProxyName: 'kpx',
    });
  });

  it.each([
    [['--detect-local-mode=NodeCIDR'], { mode: 'NodeCIDR', cidrs: ['10.244.3.0/24'] }],
    [['--detect-local-mode=BridgeInterface', '--pod-bridge-interface=cbr0'], { mode: 'BridgeInterface', interfaceName: 'cbr0' }],
    [['--detect-local-mode=InterfaceNamePrefix', '--pod-interface-name-prefix=veth'], { mode: 'InterfaceNamePrefix', interfacePrefix: 'veth' }],
    [['--cluster-cidr=fd00::/48'], { mode: 'None' }],
  ])('detect-local %j', (argv, detector) => {
    const withNode = node([['InternalIP', '10.0.0.7']], ['10.244.3.0/24', 'fd00:3::/64']);
    expect(toModelConfig(resolved(['--bind-address=10.0.0.7', ...argv]), { osHostname: 'n', node: withNode }).detectLocal).toEqual(detector);
  });

  it('lets a specific --bind-address override the node IP, and --node-ip stand in only without a Node', () => {
    const withNode = node([['InternalIP', '10.0.0.7']]);
    expect(toModelConfig(resolved(['--bind-address=10.0.0.9']), { osHostname: 'n', node: withNode }).nodeIPOverride).toEqual(['10.0.0.9']);
    expect(toModelConfig(resolved(['--node-ip=10.0.0.8']), { osHostname: 'n', node: withNode }).nodeIPOverride).toEqual([]);
    expect(toModelConfig(resolved(['--node-ip=10.0.0.8,fd00::8']), { osHostname: 'n' }).nodeIPOverride).toEqual(['10.0.0.8']);
  });

  it('serves no localhost node ports for IPv6', () => {
    expect(toModelConfig(resolved(['--bind-address=fd00::1']), { osHostname: 'n' })).toMatchObject({ ipFamily: 'IPv6', localhostNodePorts: false });
  });
});

describe('primaryIPFamily', () => {
  it.each([
    ['a specific bind address wins over the Node', ['--bind-address=fd00::1'], node([['InternalIP', '10.0.0.1']]), 'IPv6'],
    ['0.0.0.0 does not decide', ['--bind-address=0.0.0.0', '--cluster-cidr=fd00::/48'], node([['InternalIP', 'fd00::7']]), 'IPv6'],
    [':: does not decide either', ['--bind-address=::'], node([['InternalIP', '10.0.0.1']]), 'IPv4'],
    [
      'the Node: InternalIP before ExternalIP',
      [],
      node([
        ['ExternalIP', 'fd00::1'],
        ['InternalIP', '10.0.0.1'],
      ]),
      'IPv4',
    ],
    [
      'the Node: ExternalIP when no InternalIP',
      [],
      node([
        ['Hostname', 'n'],
        ['ExternalIP', 'fd00::1'],
      ]),
      'IPv6',
    ],
    ['--node-ip without a Node', ['--node-ip=fd00::5'], undefined, 'IPv6'],
    ['a single-family cluster CIDR as last resort', ['--cluster-cidr=fd00::/48'], undefined, 'IPv6'],
    ['IPv4 otherwise, as kube-proxy', ['--cluster-cidr=fd00::/48,10.0.0.0/8'], undefined, 'IPv4'],
    [
      'malformed Node addresses are skipped',
      [],
      node([
        ['InternalIP', '10.0.0.1 -j ACCEPT'],
        ['InternalIP', 'fd00::2'],
      ]),
      'IPv6',
    ],
  ] as const)('%s', (_name, argv, nodeObject, family) => {
    expect(primaryIPFamily(resolved([...argv]), nodeObject)).toBe(family);
  });
});

describe('resolveNodeName', () => {
  it('prefers the override, trimmed and lowercased, as upstream GetHostname', () => {
    const { config } = resolved(['--hostname-override=Node-B']);
    expect(resolveNodeName(config, 'host')).toBe('node-b');
    expect(resolveNodeName(resolved([]).config, ' MyHost ')).toBe('myhost');
  });
});

describe('servedIPFamilies / toModelConfigs (dual-stack)', () => {
  const dual = node(
    [
      ['InternalIP', '10.0.0.5'],
      ['InternalIP', 'fd00::5'],
    ],
    ['10.244.1.0/24', 'fd00:10:244:1::/64'],
  );

  it('serves both families, primary first, when the Node has an IP of each', () => {
    expect(servedIPFamilies(resolved([]), dual)).toEqual(['IPv4', 'IPv6']);
    expect(
      servedIPFamilies(
        resolved([]),
        node([
          ['InternalIP', 'fd00::5'],
          ['ExternalIP', '192.0.2.5'],
        ]),
      ),
    ).toEqual(['IPv6', 'IPv4']);
    expect(servedIPFamilies(resolved([]), node([['InternalIP', '10.0.0.5']]))).toEqual(['IPv4']);
    expect(servedIPFamilies(resolved([]), undefined)).toEqual(['IPv4']);
  });

  it('takes a --node-ip pair without a Node, and a specific --bind-address as the primary', () => {
    expect(servedIPFamilies(resolved(['--node-ip=10.0.0.8,fd00::8']), undefined)).toEqual(['IPv4', 'IPv6']);
    expect(servedIPFamilies(resolved(['--bind-address=fd00::9']), node([['InternalIP', '10.0.0.5']]))).toEqual(['IPv6', 'IPv4']);
    expect(servedIPFamilies(resolved(['--node-ip=fd00::8']), node([['InternalIP', '10.0.0.5']]))).toEqual(['IPv4']);
  });

  it('gives each family its own node IPs, cluster CIDR, pod CIDR and localhost node ports', () => {
    const [v4, v6] = toModelConfigs(resolved(['--cluster-cidr=10.244.0.0/16,fd00:10:244::/56']), { osHostname: 'n', node: dual });
    expect(v4).toMatchObject({ ipFamily: 'IPv4', detectLocal: { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] }, localhostNodePorts: true });
    expect(v6).toMatchObject({ ipFamily: 'IPv6', detectLocal: { mode: 'ClusterCIDR', cidrs: ['fd00:10:244::/56'] }, localhostNodePorts: false });
    const [, nodeCIDR] = toModelConfigs(resolved(['--detect-local-mode=NodeCIDR']), { osHostname: 'n', node: dual });
    expect(nodeCIDR?.detectLocal).toEqual({ mode: 'NodeCIDR', cidrs: ['fd00:10:244:1::/64'] });
    const [bound4, bound6] = toModelConfigs(resolved(['--node-ip=10.0.0.8,fd00::8', '--bind-address=10.0.0.9']), { osHostname: 'n' });
    expect([bound4?.nodeIPOverride, bound6?.nodeIPOverride]).toEqual([['10.0.0.9'], ['fd00::8']]);
  });

  it('keeps the single-family config identical to toModelConfig', () => {
    const flags = resolved(['--cluster-cidr=10.244.0.0/16']);
    expect(toModelConfigs(flags, { osHostname: 'n', node: node([['InternalIP', '10.0.0.5']]) })).toEqual([
      toModelConfig(flags, { osHostname: 'n', node: node([['InternalIP', '10.0.0.5']]) }),
    ]);
  });
});
