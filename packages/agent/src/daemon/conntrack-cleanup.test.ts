import { describe, expect, it } from 'vitest';
import { diffStates } from '../diff/diff-states.ts';
import type { ConntrackFlow } from '../sys/conntrack-flows.ts';
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

const flow = (origDst: string, origDport: number, replySrc: string): ConntrackFlow => ({ protocol: 'UDP', origSrc: '10.0.0.1', origDst, origDport, replySrc });

const filtersFor = (after: readonly ServicePort[], flows: readonly ConntrackFlow[], before?: readonly ServicePort[]) => {
  const next = makeState(after);
  return staleConntrackFilters(next, flows, before === undefined ? undefined : diffStates(makeState(before), next));
};

describe('staleConntrackFilters (upstream CleanStaleEntries, reconciling the table)', () => {
  it('clears flows to a service IP whose reply source is no serving endpoint, once per (IP, endpoint)', () => {
    const flows = [
      flow('10.96.0.53', 53, '10.244.1.10'),
      flow('10.96.0.53', 53, '10.244.1.11'),
      flow('10.96.0.53', 53, '10.244.1.11'),
      flow('192.0.2.10', 53, '10.244.1.11'),
      flow('198.51.100.7', 53, '10.244.1.10'),
    ];
    expect(filtersFor([dns(['10.244.1.10'])], flows)).toEqual([
      { protocol: 'UDP', origDst: '10.96.0.53', replySrc: '10.244.1.11' },
      { protocol: 'UDP', origDst: '192.0.2.10', replySrc: '10.244.1.11' },
    ]);
  });

  it('clears a flow that met REJECT (never DNATed: the reply comes from the service IP) once the port has endpoints', () => {
    expect(filtersFor([dns(['10.244.1.10'])], [flow('10.96.0.53', 53, '10.96.0.53')])).toEqual([
      { protocol: 'UDP', origDst: '10.96.0.53', replySrc: '10.96.0.53' },
    ]);
  });

  it('clears a flow to the service IP on a port the service no longer has', () => {
    expect(filtersFor([dns(['10.244.1.10'])], [flow('10.96.0.53', 5300, '10.244.1.10')])).toEqual([
      { protocol: 'UDP', origDst: '10.96.0.53', replySrc: '10.244.1.10' },
    ]);
  });

  it('clears node-port flows whose reply source is no serving endpoint', () => {
    expect(filtersFor([dns(['10.244.1.10'])], [flow('192.168.1.5', 30053, '10.244.1.10'), flow('192.168.1.5', 30053, '10.244.1.12')])).toEqual([
      { protocol: 'UDP', dport: 30053, replySrc: '10.244.1.12' },
    ]);
  });

  it('counts an endpoint that stopped serving as gone', () => {
    const filters = filtersFor([dns(['10.244.1.10', '10.244.1.11'], { servingFalse: '10.244.1.11' })], [flow('10.96.0.53', 53, '10.244.1.11')]);
    expect(filters).toEqual([{ protocol: 'UDP', origDst: '10.96.0.53', replySrc: '10.244.1.11' }]);
  });

  it('leaves ports without serving endpoints, TCP services, TCP flows and unrelated flows alone', () => {
    expect(filtersFor([dns([])], [flow('10.96.0.53', 53, '10.244.1.11')])).toEqual([]);
    expect(filtersFor([dns(['10.244.1.10'], { protocol: 'TCP' })], [flow('10.96.0.53', 53, '10.244.1.11')])).toEqual([]);
    expect(filtersFor([dns(['10.244.1.10'])], [{ ...flow('10.96.0.53', 53, '10.244.1.11'), protocol: 'TCP' }])).toEqual([]);
    expect(filtersFor([dns(['10.244.1.10'])], [flow('10.96.0.99', 53, '10.244.1.11'), flow('10.96.0.53', 53, '10.244.1.10')])).toEqual([]);
  });

  it('clears the cluster IP of a UDP service deleted in this sync, which the table cannot tell', () => {
    expect(filtersFor([], [], [dns(['10.244.1.10'])])).toEqual([{ protocol: 'UDP', origDst: '10.96.0.53' }]);
    expect(filtersFor([], [], [dns(['10.244.1.10'], { protocol: 'TCP' })])).toEqual([]);
  });
});

describe('staleConntrackFilters for the IPv6 proxier', () => {
  it('names the family of a node-port filter', () => {
    const v6 = (endpointIPs: readonly string[]): ServicePort =>
      makeServicePort('ns1', 'dns', 'dns', (port) => {
        port.protocol = 'UDP';
        port.clusterIP = 'fd00:10:96::a';
        port.port = 53;
        port.nodePort = 30053;
        port.endpoints = endpointIPs.map((ip) => makeEndpoint(ip, 5353));
      });
    const next = makeState(
      [v6(['fd00:10:244::5'])],
      makeNodeContext((node) => {
        node.ipFamily = 'IPv6';
        node.nodeIPs = ['fd00:10:240::11'];
      }),
    );
    expect(staleConntrackFilters(next, [flow('fd00:10:96::a', 53, 'fd00:10:244::6'), flow('fd00:10:240::11', 30053, 'fd00:10:244::6')])).toEqual([
      { protocol: 'UDP', origDst: 'fd00:10:96::a', replySrc: 'fd00:10:244::6' },
      { protocol: 'UDP', dport: 30053, replySrc: 'fd00:10:244::6', family: 'IPv6' },
    ]);
  });
});
