import { describe, expect, it } from 'vitest';
import { makeEndpoint, makeServicePort, makeState } from '../../../../test/helpers/state-builders.ts';
import { healthCheckServicesFromState } from './health-check-services.ts';

const local = (ip: string, port: number, mutate?: Parameters<typeof makeEndpoint>[2]) =>
  makeEndpoint(ip, port, (endpoint) => {
    endpoint.isLocal = true;
    mutate?.(endpoint);
  });

describe('healthCheckServicesFromState', () => {
  it('lists services with a health-check node port, counting distinct local ready addresses over all ports', () => {
    const state = makeState([
      makeServicePort('shop', 'web', 'http', (sp) => {
        sp.healthCheckNodePort = 30_500;
        sp.externalPolicyLocal = true;
        sp.loadBalancerVIPs = ['203.0.113.10'];
        sp.endpoints = [local('10.0.1.1', 8080), local('10.0.1.2', 8080), makeEndpoint('10.0.2.1', 8080)];
      }),
      makeServicePort('shop', 'web', 'https', (sp) => {
        sp.healthCheckNodePort = 30_500;
        sp.externalPolicyLocal = true;
        sp.loadBalancerVIPs = ['203.0.113.10'];
        // 10.0.1.1 again (another port): counted once. Terminating and not-ready ones: not at all.
        sp.endpoints = [
          local('10.0.1.1', 8443),
          local('10.0.1.3', 8443, (e) => {
            e.ready = false;
            e.serving = true;
            e.terminating = true;
          }),
          local('10.0.1.4', 8443, (e) => {
            e.ready = false;
          }),
        ];
      }),
      makeServicePort('shop', 'empty', '', (sp) => {
        sp.healthCheckNodePort = 30_501;
        sp.externalPolicyLocal = true;
        sp.endpoints = [makeEndpoint('10.0.2.2', 80)];
      }),
      makeServicePort('shop', 'cluster-policy', '', (sp) => {
        sp.endpoints = [local('10.0.1.9', 80)];
      }),
    ]);
    expect(healthCheckServicesFromState(state)).toEqual([
      { namespace: 'shop', name: 'empty', healthCheckNodePort: 30_501, localEndpoints: 0 },
      { namespace: 'shop', name: 'web', healthCheckNodePort: 30_500, localEndpoints: 2 },
    ]);
  });

  it('is empty when no service has a health-check node port', () => {
    expect(healthCheckServicesFromState(makeState([makeServicePort('a', 'b', '')]))).toEqual([]);
  });
});
