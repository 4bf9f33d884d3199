import { describe, expect, it } from 'vitest';
import { defaultModelConfig, makeNode, type TestNode } from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState } from './build-state.ts';
import type { ModelConfig } from './inputs.ts';

function nodeContext(mutate: ((node: TestNode) => void) | undefined, config: Partial<ModelConfig> = {}) {
  const node = mutate === undefined ? undefined : makeNode('test-node', mutate);
  return buildDesiredState({ services: [], endpointSlices: [], node }, defaultModelConfig(config)).state.node;
}

const addresses =
  (...list: [string, string][]) =>
  (node: TestNode) => {
    node.status.addresses = list.map(([type, address]) => ({ type, address }));
  };

describe('node context', () => {
  it.each<[string, (node: TestNode) => void, Partial<ModelConfig>, string[]]>([
    ['first InternalIP', addresses(['Hostname', 'test-node'], ['InternalIP', '192.168.0.2'], ['InternalIP', '192.168.0.3']), {}, ['192.168.0.2']],
    ['InternalIP before an earlier ExternalIP', addresses(['ExternalIP', '203.0.113.2'], ['InternalIP', '192.168.0.2']), {}, ['192.168.0.2']],
    ['ExternalIP when there is no InternalIP', addresses(['ExternalIP', '203.0.113.2']), {}, ['203.0.113.2']],
    ['the address of this family', addresses(['InternalIP', '192.168.0.2'], ['InternalIP', 'FD00::2']), { ipFamily: 'IPv6' }, ['fd00::2']],
    ['none of this family', addresses(['InternalIP', '192.168.0.2']), { ipFamily: 'IPv6' }, []],
    ['--node-ip over the Node', addresses(['InternalIP', '192.168.0.2']), { nodeIPOverride: ['10.0.0.5'] }, ['10.0.0.5']],
    ['--node-ip of this family only', addresses(['InternalIP', '192.168.0.2']), { nodeIPOverride: ['fd00::5', '10.0.0.5'] }, ['10.0.0.5']],
    ['the Node when --node-ip has no address of this family', addresses(['InternalIP', '192.168.0.2']), { nodeIPOverride: ['fd00::5'] }, ['192.168.0.2']],
  ])('node IPs: %s', (_, mutate, config, expected) => {
    expect(nodeContext(mutate, config).nodeIPs).toEqual(expected);
  });

  it('uses --node-ip when there is no Node object', () => {
    expect(nodeContext(undefined, { nodeIPOverride: ['10.0.0.5'] })).toMatchObject({ nodeIPs: ['10.0.0.5'], zone: undefined });
  });

  it('takes the zone from topology.kubernetes.io/zone', () => {
    expect(nodeContext((node) => (node.metadata.labels['topology.kubernetes.io/zone'] = 'zone-a')).zone).toBe('zone-a');
    expect(nodeContext(() => {}).zone).toBeUndefined();
  });

  it('copies the proxy configuration', () => {
    const config = defaultModelConfig({ masqueradeAll: true, masqueradeBit: 10, nodePortAddresses: ['primary'], localhostNodePorts: false });
    expect(buildDesiredState({ services: [], endpointSlices: [], node: undefined }, config).state.node).toEqual({
      nodeName: 'test-node',
      ipFamily: 'IPv4',
      nodeIPs: [],
      zone: undefined,
      detectLocal: { mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8'] },
      masqueradeAll: true,
      masqueradeBit: 10,
      nodePortAddresses: ['primary'],
      localAddresses: [],
      nfacctCounters: [],
      localhostNodePorts: false,
    });
  });

  it('keeps the interface addresses of its family, canonical and once each', () => {
    const config = defaultModelConfig({ localAddresses: ['127.0.0.1', '192.168.1.5', 'FD00::5', '192.168.1.5', '10.1.0.7'] });
    expect(buildDesiredState({ services: [], endpointSlices: [], node: undefined }, config).state.node.localAddresses).toEqual([
      '127.0.0.1',
      '192.168.1.5',
      '10.1.0.7',
    ]);
    const v6 = defaultModelConfig({ ipFamily: 'IPv6', localAddresses: ['192.168.1.5', 'FD00::5'] });
    expect(buildDesiredState({ services: [], endpointSlices: [], node: undefined }, v6).state.node.localAddresses).toEqual(['fd00::5']);
  });
});
