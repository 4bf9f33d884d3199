import { describe, expect, it } from 'vitest';
import { makeEndpoint, makeNodeContext, makeServicePort, TEST_NODE_IP } from '../../../../test/helpers/state-builders.ts';
import { reachableEndpoints } from './reachable-endpoints.ts';

const local = makeEndpoint('10.0.1.5', 8080, (e) => {
  e.isLocal = true;
});
const remote = makeEndpoint('10.0.2.5', 8080);
const node = makeNodeContext();
const targets = (port: ReturnType<typeof makeServicePort>, client: string): Record<string, string[]> =>
  Object.fromEntries(reachableEndpoints(port, node, client).map((reach) => [reach.kind, reach.endpoints.map((e) => e.ip)]));

describe('reachableEndpoints', () => {
  it('sends every client of a Cluster-policy ClusterIP to every ready endpoint', () => {
    const port = makeServicePort('ns', 'web', 'http', (p) => {
      p.endpoints = [local, remote];
    });
    expect(targets(port, '10.0.1.9')).toEqual({ clusterIP: ['10.0.1.5', '10.0.2.5'] });
  });

  it('keeps an outside client of an externalTrafficPolicy Local node port on the local endpoints, and sends a local pod cluster-wide', () => {
    const port = makeServicePort('ns', 'web', 'http', (p) => {
      p.nodePort = 30080;
      p.externalPolicyLocal = true;
      p.endpoints = [local, remote];
    });
    expect(targets(port, '192.168.7.7').nodePort).toEqual(['10.0.1.5']);
    expect(targets(port, '10.0.1.9').nodePort).toEqual(['10.0.1.5', '10.0.2.5']);
    expect(targets(port, TEST_NODE_IP).nodePort).toEqual(['10.0.1.5', '10.0.2.5']);
  });

  it('drops a load-balancer client outside the source ranges, not one inside', () => {
    const port = makeServicePort('ns', 'web', 'http', (p) => {
      p.loadBalancerVIPs = ['5.6.7.8'];
      p.loadBalancerSourceRanges = ['203.0.113.0/24'];
      p.endpoints = [remote];
    });
    const outside = reachableEndpoints(port, node, '198.51.100.1').find((reach) => reach.kind === 'loadBalancer');
    expect(outside?.endpoints).toEqual([]);
    expect(outside?.note).toMatch(/loadBalancerSourceRanges/);
    expect(targets(port, '203.0.113.9').loadBalancer).toEqual(['10.0.2.5']);
  });

  it('says a service without usable endpoints rejects, and names ClientIP affinity', () => {
    const empty = makeServicePort('ns', 'none', '', (p) => {
      p.endpoints = [makeEndpoint('10.0.2.6', 80, (e) => (e.ready = false))];
    });
    expect(reachableEndpoints(empty, node, '10.0.1.9')[0]?.note).toMatch(/rejected/);
    const sticky = makeServicePort('ns', 'sticky', '', (p) => {
      p.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 600 };
      p.endpoints = [remote];
    });
    expect(reachableEndpoints(sticky, node, '10.0.1.9')[0]?.note).toMatch(/affinity.*600 s/);
  });
});
