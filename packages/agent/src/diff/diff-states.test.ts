import { describe, expect, it } from 'vitest';
import { defaultModelConfig, makeEndpointSlice, makeService } from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState, createStateBuilder } from '../model/build-state.ts';
import type { ClusterObjects, ModelConfig, RawObject } from '../model/inputs.ts';
import type { DesiredState } from '../model/types.ts';
import { diffStates } from './diff-states.ts';

function service(name: string, ip: string, ports = [{ name: 'http', port: 80 }]): RawObject {
  return makeService('ns', name, (svc) => {
    svc.spec.clusterIP = ip;
    svc.spec.ports = ports;
  });
}

function slice(serviceName: string, ips: string[], ready = true): RawObject {
  return makeEndpointSlice('ns', `${serviceName}-x`, serviceName, (s) => {
    s.ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    s.endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready } }));
  });
}

const base: ClusterObjects = {
  services: [service('a', '172.30.0.1'), service('b', '172.30.0.2')],
  endpointSlices: [slice('a', ['10.0.0.1']), slice('b', ['10.0.0.2'])],
  node: undefined,
};

const state = (objects: ClusterObjects, config: Partial<ModelConfig> = {}): DesiredState => buildDesiredState(objects, defaultModelConfig(config)).state;

describe('diffStates', () => {
  it('is full, with every port changed, when there is no previous state', () => {
    const diff = diffStates(undefined, state(base));
    expect(diff.full).toBe(true);
    expect([...diff.changed]).toEqual(['ns/a:http', 'ns/b:http']);
    expect(diff.deleted.size).toBe(0);
    expect(diff.previous.size).toBe(0);
  });

  it('finds nothing between two separately built equal states', () => {
    const diff = diffStates(state(base), state(structuredClone(base)));
    expect(diff).toEqual({ full: false, changed: new Set(), deleted: new Set(), previous: new Map() });
  });

  it.each<[string, ClusterObjects]>([
    ['an endpoint added', { ...base, endpointSlices: [slice('a', ['10.0.0.1', '10.0.0.3']), base.endpointSlices[1] as RawObject] }],
    ['an endpoint turned unready', { ...base, endpointSlices: [slice('a', ['10.0.0.1'], false), base.endpointSlices[1] as RawObject] }],
    ['the cluster IP changed', { ...base, services: [service('a', '172.30.0.9'), base.services[1] as RawObject] }],
    ['the port number changed', { ...base, services: [service('a', '172.30.0.1', [{ name: 'http', port: 81 }]), base.services[1] as RawObject] }],
  ])('names the one changed port, with its previous version, when %s', (_, next) => {
    const before = state(base);
    const diff = diffStates(before, state(next));
    expect(diff.full).toBe(false);
    expect([...diff.changed]).toEqual(['ns/a:http']);
    expect(diff.deleted.size).toBe(0);
    expect(diff.previous.get('ns/a:http')).toBe(before.servicePorts.get('ns/a:http'));
  });

  it('names added ports as changed without a previous version', () => {
    const next = { ...base, services: [...base.services, service('c', '172.30.0.3')] };
    const diff = diffStates(state(base), state(next));
    expect([...diff.changed]).toEqual(['ns/c:http']);
    expect(diff.previous.has('ns/c:http')).toBe(false);
  });

  it('names removed ports as deleted, with their previous version', () => {
    const before = state(base);
    const diff = diffStates(before, state({ ...base, services: [base.services[0] as RawObject] }));
    expect([...diff.deleted]).toEqual(['ns/b:http']);
    expect(diff.changed.size).toBe(0);
    expect(diff.previous.get('ns/b:http')).toBe(before.servicePorts.get('ns/b:http'));
  });

  it('a renamed port is one deletion and one change', () => {
    const renamed = { ...base, services: [service('a', '172.30.0.1', [{ name: 'web', port: 80 }]), base.services[1] as RawObject] };
    const diff = diffStates(state(base), state(renamed));
    expect([...diff.changed]).toEqual(['ns/a:web']);
    expect([...diff.deleted]).toEqual(['ns/a:http']);
  });

  it.each<[string, Partial<ModelConfig>]>([
    ['node IPs', { nodeIPOverride: ['192.168.0.9'] }],
    ['masquerade bit', { masqueradeBit: 13 }],
    ['local traffic detection', { detectLocal: { mode: 'ClusterCIDR', cidrs: ['10.1.0.0/16'] } }],
  ])('is full when the node context changes (%s), even if no port did', (_, config) => {
    const diff = diffStates(state(base), state(base, config));
    expect(diff.full).toBe(true);
    expect(diff.changed.size).toBe(0);
  });

  it('compares the states of a memoizing builder by identity where nothing changed', () => {
    const build = createStateBuilder();
    const config = defaultModelConfig();
    const before = build(base, config).state;
    const after = build({ ...base, endpointSlices: [slice('a', ['10.0.0.5']), base.endpointSlices[1] as RawObject] }, config).state;
    expect(after.servicePorts.get('ns/b:http')).toBe(before.servicePorts.get('ns/b:http'));
    expect([...diffStates(before, after).changed]).toEqual(['ns/a:http']);
  });
});
