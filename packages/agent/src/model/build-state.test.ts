import { describe, expect, it } from 'vitest';
import { defaultModelConfig, makeEndpointSlice, makeNode, makeService, TEST_HOSTNAME } from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState, createStateBuilder } from './build-state.ts';
import type { ClusterObjects, RawObject } from './inputs.ts';

function service(namespace: string, name: string, ip: string, version = '1'): RawObject {
  return makeService(namespace, name, (svc) => {
    svc.metadata.uid = `uid-svc-${namespace}-${name}`;
    svc.metadata.resourceVersion = version;
    svc.spec.clusterIP = ip;
    svc.spec.type = 'NodePort';
    svc.spec.externalTrafficPolicy = 'Local';
    svc.spec.ports = [
      { name: 'http', port: 80, nodePort: 30080 },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ];
  });
}

function slice(namespace: string, serviceName: string, ips: string[], version = '1', nodeName = 'node-2'): RawObject {
  return makeEndpointSlice(namespace, `${serviceName}-x`, serviceName, (s) => {
    s.metadata.uid = `uid-slice-${namespace}-${serviceName}`;
    s.metadata.resourceVersion = version;
    s.ports = [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ];
    s.endpoints = ips.map((ip) => ({ addresses: [ip], nodeName, zone: 'zone-a' }));
  });
}

const node = makeNode(TEST_HOSTNAME, (n) => {
  n.metadata.labels['topology.kubernetes.io/zone'] = 'zone-a';
  n.status.addresses = [{ type: 'InternalIP', address: '192.168.0.2' }];
});

const objects: ClusterObjects = {
  services: [service('b', 'web', '172.30.0.2'), service('a', 'api', '172.30.0.1'), makeService('a', 'bad', (svc) => (svc.spec.clusterIP = 'x'))],
  endpointSlices: [slice('b', 'web', ['10.1.0.3', '10.1.0.1']), slice('a', 'api', ['10.2.0.1'])],
  node,
};

describe('buildDesiredState', () => {
  it('iterates service ports in sorted ServicePortName order whatever the input order', () => {
    const reversed = { ...objects, services: [...objects.services].reverse(), endpointSlices: [...objects.endpointSlices].reverse() };
    const expectedOrder = ['a/api:http', 'a/api:metrics', 'b/web:http', 'b/web:metrics'];
    expect([...buildDesiredState(objects, defaultModelConfig()).state.servicePorts.keys()]).toEqual(expectedOrder);
    expect(buildDesiredState(reversed, defaultModelConfig())).toEqual(buildDesiredState(objects, defaultModelConfig()));
  });

  it('returns frozen data', () => {
    const { state, problems } = buildDesiredState(objects, defaultModelConfig());
    const port = state.servicePorts.get('b/web:http');
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state.node)).toBe(true);
    expect(Object.isFrozen(port)).toBe(true);
    expect(Object.isFrozen(port?.externalIPs)).toBe(true);
    expect(Object.isFrozen(port?.endpoints.all)).toBe(true);
    expect(Object.isFrozen(port?.endpoints.all[0])).toBe(true);
    expect(Object.isFrozen(problems)).toBe(true);
  });

  it('does not share mutable data with the input', () => {
    const config = defaultModelConfig({ nodePortAddresses: ['primary'] });
    const { state } = buildDesiredState(objects, config);
    (config.nodePortAddresses as string[]).push('10.0.0.0/8');
    expect(state.node.nodePortAddresses).toEqual(['primary']);
  });

  it('reports a second object of the same name and keeps the first', () => {
    const duplicate = { ...objects, services: [service('a', 'api', '172.30.0.1'), service('a', 'api', '172.30.0.9', '2')] };
    const { state, problems } = buildDesiredState(duplicate, defaultModelConfig());
    expect(state.servicePorts.get('a/api:http')?.clusterIP).toBe('172.30.0.1');
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'error', kind: 'Service', namespace: 'a', name: 'api', reason: expect.stringContaining('duplicate') }),
    ]);
  });

  it('puts problems in kind, namespace, name order', () => {
    const input: ClusterObjects = {
      services: [makeService('b', 'x', (s) => (s.spec.clusterIP = 'bad')), makeService('a', 'y', (s) => (s.spec.clusterIP = 'bad'))],
      endpointSlices: [makeEndpointSlice('a', 'z', 'z', (s) => (s.addressType = 'bad'))],
      node: makeNode('n', (n) => (n.status.addresses = [{ type: 'InternalIP', address: 'bad' }])),
    };
    const { problems } = buildDesiredState(input, defaultModelConfig());
    expect(problems.map((p) => `${p.kind} ${p.namespace}/${p.name}`)).toEqual(['Service a/y', 'Service b/x', 'EndpointSlice a/z', 'Node /n']);
  });
});

describe('createStateBuilder', () => {
  const config = defaultModelConfig();
  const changes: [string, ClusterObjects][] = [
    ['initial', objects],
    [
      'an endpoint added to one slice',
      { ...objects, endpointSlices: [slice('b', 'web', ['10.1.0.3', '10.1.0.1', '10.1.0.2'], '2'), objects.endpointSlices[1] as RawObject] },
    ],
    ['a service changed', { ...objects, services: [service('b', 'web', '172.30.0.7', '2'), ...objects.services.slice(1)] }],
    ['a service removed', { ...objects, services: objects.services.slice(1) }],
    ['the node zone changed', { ...objects, node: makeNode(TEST_HOSTNAME, (n) => (n.metadata.labels['topology.kubernetes.io/zone'] = 'zone-b')) }],
    ['the node removed', { ...objects, node: undefined }],
    ['back to the start', objects],
  ];

  it('gives exactly what buildDesiredState gives, change after change', () => {
    const build = createStateBuilder();
    for (const [, input] of changes) expect(build(input, config)).toEqual(buildDesiredState(input, config));
  });

  it('gives what buildDesiredState gives after a configuration change', () => {
    const build = createStateBuilder();
    build(objects, config);
    const otherHost = defaultModelConfig({ hostname: 'node-2' });
    const result = build(objects, otherHost);
    expect(result).toEqual(buildDesiredState(objects, otherHost));
    expect(result.state.servicePorts.get('b/web:http')?.endpoints.local.length).toBe(2);
  });

  it('reuses the ports of unchanged services and rebuilds the changed one', () => {
    const build = createStateBuilder();
    const before = build(objects, config).state;
    const changedSlices = [slice('b', 'web', ['10.1.0.3'], '2'), objects.endpointSlices[1] as RawObject];
    const after = build({ ...objects, endpointSlices: changedSlices }, config).state;
    expect(after.servicePorts.get('a/api:http')).toBe(before.servicePorts.get('a/api:http'));
    expect(after.servicePorts.get('b/web:http')).not.toBe(before.servicePorts.get('b/web:http'));
    expect(after.servicePorts.get('b/web:http')?.endpoints.all.map((e) => e.ip)).toEqual(['10.1.0.3']);
  });

  it('recognizes an unchanged object by uid and resourceVersion even when it is a new copy', () => {
    const build = createStateBuilder();
    const before = build(objects, config).state;
    const copies = structuredClone(objects);
    expect(build(copies, config).state.servicePorts.get('b/web:http')).toBe(before.servicePorts.get('b/web:http'));
  });

  it('without uid/resourceVersion, reuses by identity only', () => {
    const build = createStateBuilder();
    const plain = makeService('c', 'plain', (svc) => {
      svc.spec.clusterIP = '172.30.0.3';
      svc.spec.ports = [{ name: 'http', port: 80 }];
    });
    const before = build({ ...objects, services: [plain] }, config).state;
    expect(build({ ...objects, services: [plain] }, config).state.servicePorts.get('c/plain:http')).toBe(before.servicePorts.get('c/plain:http'));
    const copy = structuredClone(plain);
    ((copy['spec'] as Record<string, unknown>)['ports'] as { port: number }[])[0]!.port = 81;
    expect(build({ ...objects, services: [copy] }, config).state.servicePorts.get('c/plain:http')?.port).toBe(81);
  });
});
