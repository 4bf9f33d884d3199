import { describe, expect, it } from 'vitest';
import { defaultModelConfig, makeEndpointSlice, makeService } from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState } from '../model/build-state.ts';
import type { ServicePort } from '../model/types.ts';
import { isSameServicePort } from './service-port-equal.ts';

function port(): ServicePort {
  const svc = makeService('ns', 'web', (s) => {
    s.spec.clusterIP = '172.30.0.1';
    s.spec.type = 'NodePort';
    s.spec.externalTrafficPolicy = 'Local';
    s.spec.ports = [{ name: 'http', port: 80, nodePort: 30080 }];
  });
  const slice = makeEndpointSlice('ns', 'web-1', 'web', (s) => {
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    s.endpoints = [{ addresses: ['10.0.0.1'], nodeName: 'test-node' }, { addresses: ['10.0.0.2'] }];
  });
  const state = buildDesiredState({ services: [svc], endpointSlices: [slice], node: undefined }, defaultModelConfig()).state;
  return state.servicePorts.get('ns/web:http') as ServicePort;
}

describe('isSameServicePort', () => {
  it('is true for separately built equal ports', () => {
    expect(isSameServicePort(port(), port())).toBe(true);
  });

  it.each<[string, (p: ServicePort) => ServicePort]>([
    ['a scalar field', (p) => ({ ...p, nodePort: 30081 })],
    ['a list field', (p) => ({ ...p, externalIPs: ['192.0.2.1'] })],
    ['a nested field', (p) => ({ ...p, sessionAffinity: { type: 'ClientIP', timeoutSeconds: 5 } })],
    [
      'an endpoint of `all`',
      (p) => ({
        ...p,
        endpoints: { ...p.endpoints, all: [{ ...(p.endpoints.all[0] as ServicePort['endpoints']['all'][0]), ready: false }, ...p.endpoints.all.slice(1)] },
      }),
    ],
    ['only the local subset', (p) => ({ ...p, endpoints: { ...p.endpoints, local: [] } })],
    ['only the cluster subset', (p) => ({ ...p, endpoints: { ...p.endpoints, cluster: p.endpoints.cluster.slice(1) } })],
    ['hasAnyEndpoints', (p) => ({ ...p, endpoints: { ...p.endpoints, hasAnyEndpoints: false } })],
    ['an extra field', (p) => ({ ...p, extra: 1 }) as ServicePort],
  ])('sees a difference in %s', (_, change) => {
    const original = port();
    expect(isSameServicePort(original, change(port()))).toBe(false);
    expect(isSameServicePort(change(port()), original)).toBe(false);
  });
});
