import { describe, expect, it } from 'vitest';
import { diffStates } from '../diff/diff-states.ts';
import type { ServicePort } from '../model/types.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../../../test/helpers/state-builders.ts';
import { staleConntrackFilters } from './conntrack-cleanup.ts';

function dns(endpointIPs: readonly string[], change: { protocol?: 'UDP' | 'TCP'; servingFalse?: string } = {}): ServicePort {
  return makeServicePort('ns1', 'dns', 'dns', (port) => {
    port.protocol = change.protocol ?? 'UDP';
    port.clusterIP = '10.96.0.53';
    port.port = 53;
    port.nodePort = 30053;
    port.externalIPs = ['192.0.2.10'];
    port.loadBalancerVIPs = ['198.51.100.7'];
    port.endpoints = endpointIPs.map((ip) =>
      makeEndpoint(ip, 5353, (endpoint) => {
        if (ip === change.servingFalse) {
          endpoint.ready = false;
          endpoint.serving = false;
        }
      }),
    );
  });
}

const filtersFor = (before: readonly ServicePort[], after: readonly ServicePort[]) => {
  const next = makeState(after);
  return staleConntrackFilters(diffStates(makeState(before), next), next);
};

describe('staleConntrackFilters (upstream detectStaleConntrackEntries + CleanStaleEntries)', () => {
  it('clears every service IP and the node port of a UDP port that got its first serving endpoint', () => {
    expect(filtersFor([dns([])], [dns(['10.244.1.10'])])).toEqual([
      { protocol: 'UDP', origDst: '10.96.0.53' },
      { protocol: 'UDP', origDst: '192.0.2.10' },
      { protocol: 'UDP', origDst: '198.51.100.7' },
      { protocol: 'UDP', dport: 30053 },
    ]);
  });

  it('treats a new UDP service with endpoints as newly active', () => {
    expect(filtersFor([], [dns(['10.244.1.10'])])).toHaveLength(4);
  });

  it('clears the flows DNATed to a removed endpoint, per service IP and node port', () => {
    expect(filtersFor([dns(['10.244.1.10', '10.244.1.11'])], [dns(['10.244.1.10'])])).toEqual([
      { protocol: 'UDP', dport: 30053, replySrc: '10.244.1.11' },
      { protocol: 'UDP', origDst: '10.96.0.53', replySrc: '10.244.1.11' },
      { protocol: 'UDP', origDst: '192.0.2.10', replySrc: '10.244.1.11' },
      { protocol: 'UDP', origDst: '198.51.100.7', replySrc: '10.244.1.11' },
    ]);
  });

  it('counts an endpoint that stopped serving as removed', () => {
    const filters = filtersFor([dns(['10.244.1.10', '10.244.1.11'])], [dns(['10.244.1.10', '10.244.1.11'], { servingFalse: '10.244.1.11' })]);
    expect(filters.every((filter) => filter.replySrc === '10.244.1.11')).toBe(true);
    expect(filters).toHaveLength(4);
  });

  it('clears the cluster IP of a deleted UDP service', () => {
    expect(filtersFor([dns(['10.244.1.10'])], [])).toEqual([{ protocol: 'UDP', origDst: '10.96.0.53' }]);
  });

  it('leaves TCP services and unchanged UDP services alone', () => {
    expect(filtersFor([dns(['10.244.1.10'], { protocol: 'TCP' })], [dns([], { protocol: 'TCP' })])).toEqual([]);
    expect(filtersFor([dns(['10.244.1.10'])], [dns(['10.244.1.10'])])).toEqual([]);
    expect(filtersFor([dns(['10.244.1.10'])], [dns(['10.244.1.10', '10.244.1.11'])])).toEqual([]);
  });
});

describe('staleConntrackFilters for the IPv6 proxier', () => {
  it('names the family of a node-port filter, which has no address to tell it', () => {
    const v6 = (endpointIPs: readonly string[]): ServicePort =>
      makeServicePort('ns1', 'dns', 'dns', (port) => {
        port.protocol = 'UDP';
        port.clusterIP = 'fd00:10:96::a';
        port.port = 53;
        port.nodePort = 30053;
        port.endpoints = endpointIPs.map((ip) => makeEndpoint(ip, 5353));
      });
    const next = makeState([v6(['fd00:10:244::5'])], makeNodeContext((node) => {
      node.ipFamily = 'IPv6';
      node.nodeIPs = ['fd00:10:240::11'];
    }));
    expect(staleConntrackFilters(diffStates(makeState([v6([])], next.node), next), next)).toEqual([
      { protocol: 'UDP', origDst: 'fd00:10:96::a' },
      { protocol: 'UDP', dport: 30053, family: 'IPv6' },
    ]);
  });
});

