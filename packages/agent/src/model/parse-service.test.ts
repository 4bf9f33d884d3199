import { describe, expect, it } from 'vitest';
import { defaultModelConfig, makeService, type TestService } from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState } from './build-state.ts';
import type { ModelConfig } from './inputs.ts';
import type { ServicePort } from './types.ts';

function basicService(mutate: (svc: TestService) => void = () => {}) {
  return makeService('ns', 'svc', (svc) => {
    svc.spec.clusterIP = '172.30.0.10';
    svc.spec.ports = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }];
    mutate(svc);
  });
}

function build(mutate: (svc: TestService) => void, config: Partial<ModelConfig> = {}) {
  return buildDesiredState({ services: [basicService(mutate)], endpointSlices: [], node: undefined }, defaultModelConfig(config));
}

function onlyPort(mutate: (svc: TestService) => void, config: Partial<ModelConfig> = {}): ServicePort {
  const { state, problems } = build(mutate, config);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(state.servicePorts.size).toBe(1);
  return [...state.servicePorts.values()][0] as ServicePort;
}

describe('service ports', () => {
  it('names ports ns/name:port, or ns/name when unnamed', () => {
    const { state } = buildDesiredState(
      {
        services: [
          basicService(),
          makeService('ns', 'single', (svc) => {
            svc.spec.clusterIP = '172.30.0.11';
            svc.spec.ports = [{ port: 53, protocol: 'UDP' }];
          }),
        ],
        endpointSlices: [],
        node: undefined,
      },
      defaultModelConfig(),
    );
    expect([...state.servicePorts.keys()]).toEqual(['ns/single', 'ns/svc:http']);
    expect(state.servicePorts.get('ns/single')).toMatchObject({ portName: '', protocol: 'UDP', port: 53, namespace: 'ns', name: 'single' });
  });

  it.each(['TCP', 'UDP', 'SCTP'])('carries protocol %s', (protocol) => {
    expect(onlyPort((svc) => (svc.spec.ports = [{ name: 'p', port: 9, protocol }])).protocol).toBe(protocol);
  });

  it('defaults the protocol to TCP as the API server does', () => {
    expect(onlyPort((svc) => (svc.spec.ports = [{ name: 'p', port: 9 }])).protocol).toBe('TCP');
  });

  it('gives a ClusterIP service defaults everywhere else', () => {
    expect(onlyPort(() => {})).toEqual({
      servicePortName: 'ns/svc:http',
      namespace: 'ns',
      name: 'svc',
      portName: 'http',
      protocol: 'TCP',
      clusterIP: '172.30.0.10',
      port: 80,
      nodePort: 0,
      externalIPs: [],
      loadBalancerVIPs: [],
      loadBalancerSourceRanges: [],
      healthCheckNodePort: 0,
      sessionAffinity: { type: 'None' },
      externalPolicyLocal: false,
      internalPolicyLocal: false,
      externallyAccessible: false,
      endpoints: { all: [], cluster: [], local: [], allReachable: [], hasAnyEndpoints: false },
    });
  });

  it('takes the NodePort and marks the port externally accessible', () => {
    const port = onlyPort((svc) => {
      svc.spec.type = 'NodePort';
      svc.spec.ports = [{ name: 'http', port: 80, nodePort: 30080 }];
    });
    expect(port).toMatchObject({ nodePort: 30080, externallyAccessible: true });
  });
});

describe('cluster IPs and IP families', () => {
  it('serves the IPv4 address of a dual-stack service and reports the IPv6 one once', () => {
    const { state, problems } = build((svc) => {
      svc.spec.clusterIPs = ['172.30.0.10', 'fd00::a'];
      svc.spec.ipFamilies = ['IPv4', 'IPv6'];
      svc.spec.externalIPs = ['192.0.2.1', '2001:db8::1'];
    });
    expect(state.servicePorts.get('ns/svc:http')).toMatchObject({ clusterIP: '172.30.0.10', externalIPs: ['192.0.2.1'] });
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'ignored', kind: 'Service', namespace: 'ns', name: 'svc', field: 'spec.clusterIPs[1]', value: 'fd00::a' }),
    ]);
  });

  it('serves the IPv6 address, canonicalized, on an IPv6 proxier', () => {
    const port = onlyPort(
      (svc) => {
        svc.spec.clusterIP = 'FD00:0:0::A';
        svc.spec.clusterIPs = ['FD00:0:0::A', '172.30.0.10'];
        svc.spec.ipFamilies = ['IPv6', 'IPv4'];
      },
      { ipFamily: 'IPv6' },
    );
    expect(port.clusterIP).toBe('fd00::a');
  });

  it('skips a service with no IP of this family, saying so', () => {
    const { state, problems } = build((svc) => (svc.spec.clusterIP = 'fd00::a'));
    expect(state.servicePorts.size).toBe(0);
    expect(problems).toEqual([expect.objectContaining({ severity: 'ignored', field: 'spec.clusterIPs', reason: 'service has no IPv4 cluster IP' })]);
  });

  it('skips a service whose cluster IP is not allocated yet, saying so', () => {
    const { state, problems } = build((svc) => delete svc.spec.clusterIP);
    expect(state.servicePorts.size).toBe(0);
    expect(problems).toEqual([expect.objectContaining({ severity: 'ignored', reason: 'service has no cluster IP yet' })]);
  });

  it.each<[string, (svc: TestService) => void]>([
    ['headless (clusterIP None)', (svc) => (svc.spec.clusterIP = 'None')],
    ['headless (clusterIPs None)', (svc) => (svc.spec.clusterIPs = ['None'])],
    ['ExternalName', (svc) => Object.assign(svc.spec, { type: 'ExternalName', externalName: 'example.com', clusterIP: '' })],
    ['owned by another proxy', (svc) => (svc.metadata.labels['service.kubernetes.io/service-proxy-name'] = 'other')],
    ['labelled headless', (svc) => (svc.metadata.labels['service.kubernetes.io/headless'] = '')],
  ])('skips a service %s silently', (_, mutate) => {
    expect(build(mutate)).toMatchObject({ problems: [] });
    expect(build(mutate).state.servicePorts.size).toBe(0);
  });

  it('with a service proxy name, serves only services carrying exactly that name', () => {
    const config = { serviceProxyName: 'kpx' };
    expect(build(() => {}, config).state.servicePorts.size).toBe(0);
    expect(build((svc) => (svc.metadata.labels['service.kubernetes.io/service-proxy-name'] = 'other'), config).state.servicePorts.size).toBe(0);
    expect(build((svc) => (svc.metadata.labels['service.kubernetes.io/service-proxy-name'] = 'kpx'), config).state.servicePorts.size).toBe(1);
  });
});

describe('external addresses', () => {
  it('keeps external IPs of this family, canonical', () => {
    expect(onlyPort((svc) => (svc.spec.externalIPs = ['192.0.2.1', '2001:DB8::1', '192.0.2.2'])).externalIPs).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('keeps VIP-mode load balancer ingress IPs, not Proxy-mode ones nor hostnames', () => {
    const port = onlyPort((svc) => {
      svc.spec.type = 'LoadBalancer';
      svc.status.loadBalancer = {
        ingress: [
          { ip: '203.0.113.1' },
          { ip: '203.0.113.2', ipMode: 'VIP' },
          { ip: '203.0.113.3', ipMode: 'Proxy' },
          { hostname: 'lb.example.com' },
          { ip: '2001:db8::5' },
        ],
      };
    });
    expect(port).toMatchObject({ loadBalancerVIPs: ['203.0.113.1', '203.0.113.2'], externallyAccessible: true });
  });

  it('trims, masks and family-filters loadBalancerSourceRanges', () => {
    const port = onlyPort((svc) => {
      svc.spec.type = 'LoadBalancer';
      svc.spec.loadBalancerSourceRanges = [' 192.168.1.5/24 ', '2001:db8::/32', '10.0.0.0/8'];
    });
    expect(port.loadBalancerSourceRanges).toEqual(['192.168.1.0/24', '10.0.0.0/8']);
  });

  it('treats a /0 source range as allowing everything (no ranges)', () => {
    expect(onlyPort((svc) => (svc.spec.loadBalancerSourceRanges = ['10.0.0.0/8', '0.0.0.0/0'])).loadBalancerSourceRanges).toEqual([]);
  });
});

describe('traffic policies, health check port and affinity', () => {
  it.each<[string, Partial<TestService['spec']>, boolean, number]>([
    ['LoadBalancer, Local', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }, true, 32000],
    ['LoadBalancer, Cluster', { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', healthCheckNodePort: 32000 }, false, 0],
    ['NodePort, Local', { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }, true, 0],
    ['ClusterIP with external IPs, Local', { externalIPs: ['192.0.2.1'], externalTrafficPolicy: 'Local' }, true, 0],
    ['ClusterIP without external IPs, Local', { externalTrafficPolicy: 'Local' }, false, 0],
  ])('%s → externalPolicyLocal %j, healthCheckNodePort %j', (_, spec, externalPolicyLocal, healthCheckNodePort) => {
    expect(onlyPort((svc) => Object.assign(svc.spec, spec))).toMatchObject({ externalPolicyLocal, healthCheckNodePort });
  });

  it.each([
    ['Local', true],
    ['Cluster', false],
    [undefined, false],
  ])('internalTrafficPolicy %j → internalPolicyLocal %j', (policy, expected) => {
    expect(onlyPort((svc) => (svc.spec.internalTrafficPolicy = policy)).internalPolicyLocal).toBe(expected);
  });

  it.each<[string, Partial<TestService['spec']>, unknown]>([
    ['none by default', {}, { type: 'None' }],
    ['ClientIP defaults to 10800 s', { sessionAffinity: 'ClientIP' }, { type: 'ClientIP', timeoutSeconds: 10800 }],
    [
      'ClientIP with a timeout',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } },
      { type: 'ClientIP', timeoutSeconds: 300 },
    ],
    ['None ignores a config', { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } }, { type: 'None' }],
  ])('session affinity: %s', (_, spec, expected) => {
    expect(onlyPort((svc) => Object.assign(svc.spec, spec)).sessionAffinity).toEqual(expected);
  });
});

describe('legacy IPv4 literals (upstream ParseIPSloppy)', () => {
  it.each([
    [
      'spec.clusterIP',
      (svc: TestService) => {
        svc.spec.clusterIP = '172.30.0.041';
      },
      { clusterIP: '172.30.0.41' },
    ],
    [
      'spec.externalIPs[0]',
      (svc: TestService) => {
        svc.spec.externalIPs = ['192.0.2.010'];
      },
      { externalIPs: ['192.0.2.10'] },
    ],
  ])('serves a Service whose %s has leading zeros, read as decimal, with a warning', (field, mutate, expected) => {
    const { state, problems } = build(mutate);
    expect(state.servicePorts.get('ns/svc:http')).toMatchObject(expected);
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', kind: 'Service', name: 'svc', field })]);
    expect(problems[0]?.reason).toContain('read as');
  });

  it('reads a load balancer ingress IP the same way', () => {
    const { state, problems } = build((svc) => {
      svc.spec.type = 'LoadBalancer';
      (svc as unknown as { status: unknown }).status = { loadBalancer: { ingress: [{ ip: '203.0.113.001' }] } };
    });
    expect(state.servicePorts.get('ns/svc:http')?.loadBalancerVIPs).toEqual(['203.0.113.1']);
    expect(problems.map((problem) => [problem.severity, problem.field])).toEqual([['warning', 'status.loadBalancer.ingress[0].ip']]);
  });
});
