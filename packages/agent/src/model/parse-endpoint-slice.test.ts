import { describe, expect, it } from 'vitest';
import {
  defaultModelConfig,
  makeEndpointSlice,
  makeService,
  TEST_HOSTNAME,
  type TestEndpointSlice,
  type TestService,
} from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState } from './build-state.ts';
import type { ModelConfig, RawObject } from './inputs.ts';
import type { Endpoint, ServicePort } from './types.ts';

function web(mutate: (svc: TestService) => void = () => {}): RawObject {
  return makeService('ns', 'web', (svc) => {
    svc.spec.clusterIP = '172.30.0.10';
    svc.spec.ports = [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http-alt' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ];
    mutate(svc);
  });
}

function webSlice(name: string, mutate: (slice: TestEndpointSlice) => void): RawObject {
  return makeEndpointSlice('ns', name, 'web', mutate);
}

function portOf(slices: RawObject[], name = 'ns/web:http', config: Partial<ModelConfig> = {}, service: RawObject = web()): ServicePort {
  const { state } = buildDesiredState({ services: [service], endpointSlices: slices, node: undefined }, defaultModelConfig(config));
  const port = state.servicePorts.get(name);
  expect(port).toBeDefined();
  return port as ServicePort;
}

const addresses = (endpoints: readonly Endpoint[]): string[] => endpoints.map((e) => e.endpoint);

describe('joining slices to service ports', () => {
  it('resolves a named targetPort through the slice port of the same name and protocol', () => {
    const slice = webSlice('web-1', (s) => {
      s.ports = [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ];
      s.endpoints = [{ addresses: ['10.1.0.1'] }];
    });
    expect(addresses(portOf([slice]).endpoints.all)).toEqual(['10.1.0.1:8080']);
    expect(addresses(portOf([slice], 'ns/web:dns').endpoints.all)).toEqual(['10.1.0.1:5353']);
  });

  it('does not join a slice port of another protocol', () => {
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: 'dns', port: 53, protocol: 'TCP' }];
      s.endpoints = [{ addresses: ['10.1.0.1'] }];
    });
    expect(portOf([slice], 'ns/web:dns').endpoints.all).toEqual([]);
  });

  it('joins an unnamed service port to the unnamed slice port', () => {
    const service = makeService('ns', 'web', (svc) => {
      svc.spec.clusterIP = '172.30.0.10';
      svc.spec.ports = [{ port: 80 }];
    });
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: '', port: 8080, protocol: 'TCP' }];
      s.endpoints = [{ addresses: ['10.1.0.1'] }];
    });
    expect(addresses(portOf([slice], 'ns/web', {}, service).endpoints.all)).toEqual(['10.1.0.1:8080']);
  });

  it('merges several slices, sorted by endpoint string, ports of a rollout included', () => {
    const slices = [
      webSlice('web-b', (s) => {
        s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
        s.endpoints = [{ addresses: ['10.1.0.2'] }, { addresses: ['10.1.0.10'] }];
      }),
      webSlice('web-a', (s) => {
        s.ports = [{ name: 'http', port: 9090, protocol: 'TCP' }];
        s.endpoints = [{ addresses: ['10.1.0.3'] }];
      }),
    ];
    expect(addresses(portOf(slices).endpoints.all)).toEqual(['10.1.0.10:8080', '10.1.0.2:8080', '10.1.0.3:9090']);
  });

  it('ignores slices of other services and namespaces', () => {
    const slices = [
      makeEndpointSlice('ns', 'other-1', 'other', (s) => {
        s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
        s.endpoints = [{ addresses: ['10.9.0.1'] }];
      }),
      makeEndpointSlice('elsewhere', 'web-1', 'web', (s) => {
        s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
        s.endpoints = [{ addresses: ['10.9.0.2'] }];
      }),
    ];
    expect(portOf(slices).endpoints.all).toEqual([]);
  });
});

describe('duplicate endpoints (endpointslicecache rules)', () => {
  const slicesWith = (first: TestEndpointSlice['endpoints'][number], second: TestEndpointSlice['endpoints'][number]) => [
    webSlice('web-b', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [second];
    }),
    webSlice('web-a', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [first];
    }),
  ];

  it.each([
    ['a running endpoint replaces a terminating one', { terminating: true, ready: false }, { ready: true }, { terminating: false, nodeName: 'node-b' }],
    ['a terminating endpoint does not replace a running one', { ready: true }, { terminating: true, ready: false }, { terminating: false, nodeName: 'node-a' }],
    ['between two terminating ones the first slice (by name) wins', { terminating: true }, { terminating: true }, { terminating: true, nodeName: 'node-a' }],
    ['between two running ones the later slice wins', { ready: true }, { ready: true }, { terminating: false, nodeName: 'node-b' }],
  ])('%s', (_, conditionsA, conditionsB, expected) => {
    const slices = slicesWith(
      { addresses: ['10.1.0.1'], nodeName: 'node-a', conditions: conditionsA },
      { addresses: ['10.1.0.1'], nodeName: 'node-b', conditions: conditionsB },
    );
    const all = portOf(slices).endpoints.all;
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject(expected);
  });

  it('removes duplicates within one slice', () => {
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.1'] }];
    });
    expect(addresses(portOf([slice]).endpoints.all)).toEqual(['10.1.0.1:8080']);
  });
});

describe('endpoint fields', () => {
  it.each<[string, TestEndpointSlice['endpoints'][number]['conditions'], { ready: boolean; serving: boolean; terminating: boolean }]>([
    ['all nil: ready, serving, not terminating', undefined, { ready: true, serving: true, terminating: false }],
    ['not ready, serving nil (nil means true, as upstream)', { ready: false, terminating: true }, { ready: false, serving: true, terminating: true }],
    ['explicit', { ready: false, serving: false, terminating: true }, { ready: false, serving: false, terminating: true }],
  ])('conditions %s', (_, conditions, expected) => {
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [conditions === undefined ? { addresses: ['10.1.0.1'] } : { addresses: ['10.1.0.1'], conditions }];
    });
    expect(portOf([slice]).endpoints.all[0]).toMatchObject(expected);
  });

  it('marks endpoints on this node local and keeps node, zone and sorted zone hints', () => {
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [
        { addresses: ['10.1.0.1'], nodeName: TEST_HOSTNAME, zone: 'zone-a', hints: { forZones: [{ name: 'zone-b' }, { name: 'zone-a' }] } },
        { addresses: ['10.1.0.2'], nodeName: 'other-node' },
      ];
    });
    expect(portOf([slice]).endpoints.all).toEqual([
      {
        ip: '10.1.0.1',
        port: 8080,
        endpoint: '10.1.0.1:8080',
        isLocal: true,
        ready: true,
        serving: true,
        terminating: false,
        nodeName: TEST_HOSTNAME,
        zone: 'zone-a',
        zoneHints: ['zone-a', 'zone-b'],
      },
      {
        ip: '10.1.0.2',
        port: 8080,
        endpoint: '10.1.0.2:8080',
        isLocal: false,
        ready: true,
        serving: true,
        terminating: false,
        nodeName: 'other-node',
        zone: undefined,
        zoneHints: [],
      },
    ]);
  });

  it('never marks an endpoint local when the hostname is empty', () => {
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [{ addresses: ['10.1.0.1'] }];
    });
    expect(portOf([slice], 'ns/web:http', { hostname: '' }).endpoints.all[0]?.isLocal).toBe(false);
  });

  it('brackets and canonicalizes IPv6 endpoints on an IPv6 proxier', () => {
    const service = web((svc) => (svc.spec.clusterIP = 'fd00::10'));
    const slice = webSlice('web-1', (s) => {
      s.addressType = 'IPv6';
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [{ addresses: ['FD00:0::1'] }];
    });
    expect(portOf([slice], 'ns/web:http', { ipFamily: 'IPv6' }, service).endpoints.all[0]).toMatchObject({ ip: 'fd00::1', endpoint: '[fd00::1]:8080' });
  });

  it('uses the topology of the node: same-zone hints filter cluster endpoints (PreferClose)', () => {
    const service = web((svc) => (svc.spec.trafficDistribution = 'PreferClose'));
    const slice = webSlice('web-1', (s) => {
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = [
        { addresses: ['10.1.0.1'], zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }] } },
        { addresses: ['10.1.0.2'], zone: 'zone-b', hints: { forZones: [{ name: 'zone-b' }] } },
      ];
    });
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: TEST_HOSTNAME, labels: { 'topology.kubernetes.io/zone': 'zone-b' } } };
    const { state } = buildDesiredState({ services: [service], endpointSlices: [slice], node }, defaultModelConfig());
    expect(addresses(state.servicePorts.get('ns/web:http')?.endpoints.cluster ?? [])).toEqual(['10.1.0.2:8080']);
  });
});

describe('slices kpx does not use', () => {
  const endpoints = (s: TestEndpointSlice) => {
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    s.endpoints = [{ addresses: ['10.1.0.1'] }];
  };

  it.each<[string, (s: TestEndpointSlice) => void]>([
    ['of the other family', (s) => Object.assign(s, { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] })],
    ['of FQDN addresses', (s) => Object.assign(s, { addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] })],
    ['labelled headless', (s) => (s.metadata.labels['service.kubernetes.io/headless'] = '')],
    ['owned by another proxy', (s) => (s.metadata.labels['service.kubernetes.io/service-proxy-name'] = 'other')],
  ])('skips a slice %s silently', (_, mutate) => {
    const slice = webSlice('web-1', (s) => {
      endpoints(s);
      mutate(s);
    });
    const { state, problems } = buildDesiredState({ services: [web()], endpointSlices: [slice], node: undefined }, defaultModelConfig());
    expect(state.servicePorts.get('ns/web:http')?.endpoints.all).toEqual([]);
    expect(problems).toEqual([]);
  });

  it.each<[string, (s: TestEndpointSlice) => void, string]>([
    ['without a service name label', (s) => delete s.metadata.labels['kubernetes.io/service-name'], 'metadata.labels["kubernetes.io/service-name"]'],
    ['port without a name', (s) => (s.ports = [{ port: 8080, protocol: 'TCP' }]), 'ports[0].name'],
    ['port without a number', (s) => (s.ports = [{ name: 'http', protocol: 'TCP' }]), 'ports[0].port'],
    ['endpoint without addresses', (s) => (s.endpoints = [{ addresses: [] }]), 'endpoints[0].addresses'],
  ])('ignores a slice %s, saying so', (_, mutate, field) => {
    const slice = webSlice('web-1', (s) => {
      endpoints(s);
      mutate(s);
    });
    const { state, problems } = buildDesiredState({ services: [web()], endpointSlices: [slice], node: undefined }, defaultModelConfig());
    expect(state.servicePorts.get('ns/web:http')?.endpoints.all).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ severity: 'ignored', kind: 'EndpointSlice', field })]);
  });
});

describe('a slice mixing valid and invalid endpoints (the unit skipped is the endpoint)', () => {
  const mixed = (addressLists: readonly (readonly string[])[], addressType: 'IPv4' | 'IPv6' = 'IPv4') =>
    webSlice('web-1', (s) => {
      s.addressType = addressType;
      s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
      s.endpoints = addressLists.map((list) => ({ addresses: [...list] }));
    });

  it.each<[string, readonly (readonly string[])[], Partial<ModelConfig>, string[], string[]]>([
    [
      'an IPv6 address between two IPv4 ones',
      [['10.244.1.2'], ['fd00::5'], ['10.244.1.3']],
      {},
      ['10.244.1.2:8080', '10.244.1.3:8080'],
      ['endpoints[1].addresses[0]'],
    ],
    ['an unparsable first address', [['10.244.1.2 -j DROP'], ['10.244.1.3']], {}, ['10.244.1.3:8080'], ['endpoints[0].addresses[0]']],
    ['a bad first address before a good one: no fallback', [['fd00::5', '10.244.1.2'], ['10.244.1.3']], {}, ['10.244.1.3:8080'], ['endpoints[0].addresses[0]']],
    [
      'a bad second address: endpoint kept',
      [['10.244.1.2', 'fd00::5'], ['10.244.1.3']],
      {},
      ['10.244.1.2:8080', '10.244.1.3:8080'],
      ['endpoints[0].addresses[1]'],
    ],
    ['only bad endpoints: the slice contributes none', [['fd00::5'], ['fd00::6']], {}, [], ['endpoints[0].addresses[0]', 'endpoints[1].addresses[0]']],
  ])('%s', (_, addressLists, config, kept, fields) => {
    const { state, problems } = buildDesiredState({ services: [web()], endpointSlices: [mixed(addressLists)], node: undefined }, defaultModelConfig(config));
    expect(addresses(state.servicePorts.get('ns/web:http')?.endpoints.all ?? [])).toEqual(kept);
    expect(problems).toEqual(
      fields.map((field) => expect.objectContaining({ severity: 'invalid-part', kind: 'EndpointSlice', namespace: 'ns', name: 'web-1', field })),
    );
  });

  it('skips an IPv4 address in an IPv6 slice the same way on an IPv6 proxier', () => {
    const service = web((svc) => (svc.spec.clusterIP = 'fd00::10'));
    const slice = mixed([['fd00::1'], ['10.244.1.2']], 'IPv6');
    const { state, problems } = buildDesiredState({ services: [service], endpointSlices: [slice], node: undefined }, defaultModelConfig({ ipFamily: 'IPv6' }));
    expect(addresses(state.servicePorts.get('ns/web:http')?.endpoints.all ?? [])).toEqual(['[fd00::1]:8080']);
    expect(problems).toEqual([expect.objectContaining({ severity: 'invalid-part', field: 'endpoints[1].addresses[0]', value: '10.244.1.2' })]);
  });

  it('reports an ignored endpoint and an invalid one of the same slice, both', () => {
    const { problems } = buildDesiredState(
      { services: [web()], endpointSlices: [mixed([[], ['fd00::5'], ['10.244.1.3']])], node: undefined },
      defaultModelConfig(),
    );
    expect(problems.map((p) => [p.severity, p.field])).toEqual([
      ['ignored', 'endpoints[0].addresses'],
      ['invalid-part', 'endpoints[1].addresses[0]'],
    ]);
  });
});
