// Every field that can reach a rule, fed bad values (injection attempts included): the object
// (or, for an endpoint of a slice, that endpoint) must be skipped and reported with the field's
// path and a printable value.
import { describe, expect, it } from 'vitest';
import {
  defaultModelConfig,
  makeEndpointSlice,
  makeNode,
  makeService,
  type TestEndpointSlice,
  type TestNode,
  type TestService,
} from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState } from './build-state.ts';

const INJECTION = '10.0.0.1 -j ACCEPT';
const NEWLINE = 'http\n-A KUBE-SERVICES -j ACCEPT';

function service(mutate: (svc: TestService) => void) {
  return makeService('ns', 'svc', (svc) => {
    svc.spec.clusterIP = '172.30.0.10';
    svc.spec.ports = [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'https', port: 443, protocol: 'TCP' },
    ];
    mutate(svc);
  });
}

const set = (path: (svc: TestService) => void) => path;

describe('invalid Services produce no ServicePort at all', () => {
  it.each<[string, (svc: TestService) => void, unknown]>([
    ['spec.clusterIP', set((s) => (s.spec.clusterIP = INJECTION)), INJECTION],
    ['spec.clusterIP', set((s) => (s.spec.clusterIP = '010.0.0.256')), '010.0.0.256'],
    ['spec.clusterIP', set((s) => (s.spec.clusterIP = '172.30.0.10\n')), '172.30.0.10\\n'],
    ['spec.clusterIPs[0]', set((s) => (s.spec.clusterIPs = [INJECTION])), INJECTION],
    ['spec.clusterIPs[1]', set((s) => Object.assign(s.spec, { clusterIPs: ['172.30.0.10', 'fd00::1%eth0'] })), 'fd00::1%eth0'],
    ['spec.clusterIPs[0]', set((s) => Object.assign(s.spec, { clusterIPs: ['172.30.0.10'], ipFamilies: ['IPv6'] })), '172.30.0.10'],
    ['spec.ipFamilies[0]', set((s) => (s.spec.ipFamilies = ['IPv5'])), 'IPv5'],
    ['spec.clusterIP', set((s) => (s.spec.clusterIPs = ['172.30.0.11'])), '172.30.0.10'],
    ['spec.ports[0].name', set((s) => ((s.spec.ports ?? [])[0] = { name: NEWLINE, port: 80 })), 'http\\n-A KUBE-SERVICES -j ACCEPT'],
    ['spec.ports[0].name', set((s) => ((s.spec.ports ?? [])[0] = { name: 'HTTP', port: 80 })), 'HTTP'],
    ['spec.ports[1].name', set((s) => ((s.spec.ports ?? [])[1] = { name: 'http', port: 81 })), 'http'],
    ['spec.ports[1].name', set((s) => ((s.spec.ports ?? [])[1] = { port: 81 })), ''],
    ['spec.ports[0].port', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 0 })), '0'],
    ['spec.ports[0].port', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 65536 })), '65536'],
    ['spec.ports[0].port', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 80.5 })), '80.5'],
    ['spec.ports[0].port', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: '80 -j ACCEPT' as unknown as number })), '80 -j ACCEPT'],
    ['spec.ports[0].protocol', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 80, protocol: 'tcp' })), 'tcp'],
    ['spec.ports[0].protocol', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 80, protocol: 'TCP -j ACCEPT' })), 'TCP -j ACCEPT'],
    ['spec.ports[0].nodePort', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 80, nodePort: 70000 })), '70000'],
    ['spec.ports[0].targetPort', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 80, targetPort: 'Bad_Name' })), 'Bad_Name'],
    ['spec.ports[0].targetPort', set((s) => ((s.spec.ports ?? [])[0] = { name: 'http', port: 80, targetPort: 0 })), '0'],
    ['spec.ports[0]', set((s) => ((s.spec.ports as unknown[])[0] = 'http')), 'http'],
    ['spec.ports', set((s) => ((s.spec as Record<string, unknown>)['ports'] = 'http')), 'http'],
    ['spec.externalIPs[0]', set((s) => (s.spec.externalIPs = [INJECTION])), INJECTION],
    ['spec.externalIPs[0]', set((s) => (s.spec.externalIPs = [''])), ''],
    ['spec.externalIPs[0]', set((s) => ((s.spec as Record<string, unknown>)['externalIPs'] = [42])), '42'],
    ['spec.loadBalancerSourceRanges[0]', set((s) => (s.spec.loadBalancerSourceRanges = ['10.0.0.0/8 -j ACCEPT'])), '10.0.0.0/8 -j ACCEPT'],
    ['spec.loadBalancerSourceRanges[0]', set((s) => (s.spec.loadBalancerSourceRanges = ['10.0.0.0/8\n-j ACCEPT'])), '10.0.0.0/8\\n-j ACCEPT'],
    ['status.loadBalancer.ingress[0].ip', set((s) => (s.status.loadBalancer = { ingress: [{ ip: '203.0.113.1\n' }] })), '203.0.113.1\\n'],
    ['status.loadBalancer.ingress[0].ipMode', set((s) => (s.status.loadBalancer = { ingress: [{ ip: '203.0.113.1', ipMode: 'Direct' }] })), 'Direct'],
    ['spec.type', set((s) => (s.spec.type = 'NodePort -j ACCEPT')), 'NodePort -j ACCEPT'],
    ['spec.sessionAffinity', set((s) => (s.spec.sessionAffinity = 'Sticky')), 'Sticky'],
    [
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
      set((s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } })),
      '0',
    ],
    [
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
      set((s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } })),
      '86401',
    ],
    [
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
      set((s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: '60 --reap' } } })),
      '60 --reap',
    ],
    ['spec.externalTrafficPolicy', set((s) => (s.spec.externalTrafficPolicy = 'Local\n')), 'Local\\n'],
    ['spec.internalTrafficPolicy', set((s) => (s.spec.internalTrafficPolicy = 'Anywhere')), 'Anywhere'],
    ['spec.healthCheckNodePort', set((s) => Object.assign(s.spec, { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: -1 })), '-1'],
    ['metadata.name', set((s) => (s.metadata.name = 'svc;reboot')), 'svc;reboot'],
    ['metadata.name', set((s) => (s.metadata.name = 'svc\nx')), 'svc\\nx'],
    ['metadata.namespace', set((s) => (s.metadata.namespace = 'ns -j ACCEPT')), 'ns -j ACCEPT'],
    ['metadata.labels["app"]', set((s) => ((s.metadata.labels as Record<string, unknown>)['app'] = 7)), '7'],
    ['spec', set((s) => ((s as Record<string, unknown>)['spec'] = ['x'])), '["x"]'],
  ])('%s = %j', (field, mutate, printedValue) => {
    const { state, problems } = buildDesiredState({ services: [service(mutate)], endpointSlices: [], node: undefined }, defaultModelConfig());
    expect(state.servicePorts.size).toBe(0);
    expect(problems).toContainEqual(expect.objectContaining({ severity: 'error', kind: 'Service', field, value: printedValue }));
  });

  it('never lets a control character into any problem text', () => {
    const { problems } = buildDesiredState(
      {
        services: [
          service((s) => {
            s.metadata.name = 'svc\u001b[2J';
            s.spec.clusterIP = '1.2.3.4\r\n';
          }),
        ],
        endpointSlices: [],
        node: undefined,
      },
      defaultModelConfig(),
    );
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(Object.values(problem).join(' ')).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('reports a non-object in the services list instead of crashing', () => {
    const { problems } = buildDesiredState({ services: [null as never, 'svc' as never], endpointSlices: [], node: undefined }, defaultModelConfig());
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ severity: 'error', kind: 'Service', reason: 'must be an object' });
  });
});

function slice(mutate: (slice: TestEndpointSlice) => void) {
  return makeEndpointSlice('ns', 'svc-abc', 'svc', (s) => {
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    s.endpoints = [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.2'], nodeName: 'node-2', zone: 'zone-a' }];
    mutate(s);
  });
}

const setSlice = (path: (s: TestEndpointSlice) => void) => path;

const sliceService = () =>
  makeService('ns', 'svc', (s) => {
    s.spec.clusterIP = '172.30.0.10';
    s.spec.ports = [{ name: 'http', port: 80 }];
  });

const endpointsOf = (mutate: (s: TestEndpointSlice) => void) => {
  const { state, problems } = buildDesiredState({ services: [sliceService()], endpointSlices: [slice(mutate)], node: undefined }, defaultModelConfig());
  return { endpoints: (state.servicePorts.get('ns/svc:http')?.endpoints.all ?? []).map((e) => e.endpoint), problems };
};

describe('an EndpointSlice with invalid fields of its own is skipped whole', () => {
  it.each<[string, (s: TestEndpointSlice) => void, unknown]>([
    ['ports[0].name', setSlice((s) => (s.ports = [{ name: NEWLINE, port: 8080 }])), 'http\\n-A KUBE-SERVICES -j ACCEPT'],
    [
      'ports[1].name',
      setSlice(
        (s) =>
          (s.ports = [
            { name: 'http', port: 8080 },
            { name: 'http', port: 8081 },
          ]),
      ),
      'http',
    ],
    ['ports[0].port', setSlice((s) => (s.ports = [{ name: 'http', port: 70000 }])), '70000'],
    ['ports[0].protocol', setSlice((s) => (s.ports = [{ name: 'http', port: 8080, protocol: 'ICMP' }])), 'ICMP'],
    ['addressType', setSlice((s) => (s.addressType = 'IPv4 -j ACCEPT')), 'IPv4 -j ACCEPT'],
    ['metadata.name', setSlice((s) => (s.metadata.name = 'Svc_ABC')), 'Svc_ABC'],
    ['endpoints', setSlice((s) => ((s as Record<string, unknown>)['endpoints'] = 'all')), 'all'],
  ])('%s = %j', (field, mutate, printedValue) => {
    const { endpoints, problems } = endpointsOf(mutate);
    expect(endpoints).toEqual([]);
    expect(problems).toContainEqual(
      expect.objectContaining({ severity: 'error', kind: 'EndpointSlice', name: expect.any(String), field, value: printedValue }),
    );
  });
});

describe('an invalid endpoint is skipped alone, the rest of its slice used', () => {
  it.each<[string, (s: TestEndpointSlice) => void, unknown, string[]]>([
    ['endpoints[1].addresses[0]', setSlice((s) => ((s.endpoints[1] as { addresses: string[] }).addresses = [INJECTION])), INJECTION, ['10.1.0.1:8080']],
    ['endpoints[1].addresses[0]', setSlice((s) => ((s.endpoints[1] as { addresses: string[] }).addresses = ['fd00::1'])), 'fd00::1', ['10.1.0.1:8080']],
    ['endpoints[1].addresses[0]', setSlice((s) => ((s.endpoints[1] as { addresses: unknown[] }).addresses = [7, '10.1.0.3'])), '7', ['10.1.0.1:8080']],
    ['endpoints[1].addresses', setSlice((s) => ((s.endpoints[1] as Record<string, unknown>)['addresses'] = '10.1.0.2')), '10.1.0.2', ['10.1.0.1:8080']],
    ['endpoints[1].nodeName', setSlice((s) => ((s.endpoints[1] as { nodeName: string }).nodeName = 'node 2')), 'node 2', ['10.1.0.1:8080']],
    ['endpoints[1].zone', setSlice((s) => ((s.endpoints[1] as { zone: string }).zone = 'zone\na')), 'zone\\na', ['10.1.0.1:8080']],
    [
      'endpoints[0].conditions.ready',
      setSlice((s) => ((s.endpoints[0] as Record<string, unknown>)['conditions'] = { ready: 'yes' })),
      'yes',
      ['10.1.0.2:8080'],
    ],
    [
      'endpoints[0].hints.forZones[0].name',
      setSlice((s) => ((s.endpoints[0] as Record<string, unknown>)['hints'] = { forZones: [{ name: 'a b' }] })),
      'a b',
      ['10.1.0.2:8080'],
    ],
    [
      'endpoints[0].hints.forNodes[0].name',
      setSlice((s) => ((s.endpoints[0] as Record<string, unknown>)['hints'] = { forNodes: [{ name: 'Node_1' }] })),
      'Node_1',
      ['10.1.0.2:8080'],
    ],
    ['endpoints[0]', setSlice((s) => ((s.endpoints as unknown[])[0] = '10.1.0.1')), '10.1.0.1', ['10.1.0.2:8080']],
    // kube-proxy uses addresses[0] only: a bad later address is reported, the endpoint kept.
    [
      'endpoints[1].addresses[1]',
      setSlice((s) => ((s.endpoints[1] as { addresses: string[] }).addresses = ['10.1.0.2', '10.1.0.3\n'])),
      '10.1.0.3\\n',
      ['10.1.0.1:8080', '10.1.0.2:8080'],
    ],
  ])('%s = %j', (field, mutate, printedValue, kept) => {
    const { endpoints, problems } = endpointsOf(mutate);
    expect(endpoints).toEqual(kept);
    expect(problems).toEqual([expect.objectContaining({ severity: 'invalid-part', kind: 'EndpointSlice', name: 'svc-abc', field, value: printedValue })]);
  });

  it('reports every bad endpoint of a slice, each with its path, in order', () => {
    const { endpoints, problems } = endpointsOf((s) => {
      s.endpoints = [{ addresses: ['fd00::5'] }, { addresses: ['10.1.0.2'] }, { addresses: ['10.1.0.3'], nodeName: 'node 3' }];
    });
    expect(endpoints).toEqual(['10.1.0.2:8080']);
    expect(problems.map((p) => [p.severity, p.field])).toEqual([
      ['invalid-part', 'endpoints[0].addresses[0]'],
      ['invalid-part', 'endpoints[2].nodeName'],
    ]);
  });
});

describe('an invalid Node is reported and not used', () => {
  it.each<[string, (n: TestNode) => void, unknown]>([
    ['status.addresses[0].address', (n) => (n.status.addresses = [{ type: 'InternalIP', address: INJECTION }]), INJECTION],
    ['metadata.labels["topology.kubernetes.io/zone"]', (n) => (n.metadata.labels['topology.kubernetes.io/zone'] = 'zone a'), 'zone a'],
    ['metadata.name', (n) => (n.metadata.name = 'node\n1'), 'node\\n1'],
  ])('%s = %j', (field, mutate, printedValue) => {
    const node = makeNode('test-node', (n) => {
      n.metadata.labels['topology.kubernetes.io/zone'] = 'zone-a';
      n.status.addresses = [{ type: 'InternalIP', address: '192.168.0.2' }];
      mutate(n);
    });
    const { state, problems } = buildDesiredState({ services: [], endpointSlices: [], node }, defaultModelConfig());
    expect(state.node).toMatchObject({ nodeIPs: [], zone: undefined });
    expect(problems).toEqual([expect.objectContaining({ severity: 'error', kind: 'Node', field, value: printedValue })]);
  });
});
