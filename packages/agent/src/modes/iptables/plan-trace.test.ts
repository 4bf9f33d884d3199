// Packet flows through rendered plans, as upstream's packet-flow tests: where can a packet
// from a given source to a given destination end up?
import { describe, expect, it } from 'vitest';
import { planIptables } from './plan.ts';
import { makeEndpoint, makeServicePort, makeState, makeUpstreamOverallScenario, TEST_NODE_IP } from '../../../../../test/helpers/state-builders.ts';
import { describeFlow, traceFlow, type Packet } from '../../../../../test/helpers/trace-packet.ts';

const options = { localAddresses: [TEST_NODE_IP] };
const POD = '10.0.0.2';
const OUTSIDE = '203.0.113.2';

function flows(
  plan: ReturnType<typeof planIptables>,
  sourceIP: string,
  destinationIP: string,
  destinationPort: number,
  protocol: Packet['protocol'] = 'TCP',
): string[] {
  return traceFlow(plan, { sourceIP, destinationIP, destinationPort, protocol }, options).map(describeFlow).sort();
}

describe('packet flows through upstream’s overall scenario', () => {
  const plan = planIptables(makeUpstreamOverallScenario());
  it.each<[string, string, string, number, string[], Packet['protocol']?]>([
    ['pod → cluster IP', POD, '172.30.0.41', 80, ['10.180.0.1:80']],
    ['outside → cluster IP is masqueraded', OUTSIDE, '172.30.0.41', 80, ['10.180.0.1:80 masq']],
    ['node → cluster IP with two endpoints', TEST_NODE_IP, '172.30.0.44', 80, ['10.180.0.4:80 masq', '10.180.0.5:80 masq']],
    ['pod → its own service (hairpin) is masqueraded', '10.180.0.1', '172.30.0.41', 80, ['10.180.0.1:80 masq']],
    ['cluster IP without endpoints rejects', POD, '172.30.0.46', 80, ['REJECT']],
    ['wrong port to a cluster IP is not ours', POD, '172.30.0.41', 81, ['ACCEPT']],
    ['UDP to a TCP service is not ours', POD, '172.30.0.41', 80, ['ACCEPT'], 'UDP'],
    ['Local policy, no local endpoint: outside → node port drops', OUTSIDE, TEST_NODE_IP, 3001, ['DROP']],
    ['Local policy, no local endpoint: outside → external IP drops', OUTSIDE, '192.168.99.22', 80, ['DROP']],
    ['Local policy, no local endpoint: pod → load balancer IP short-circuits', POD, '1.2.3.4', 80, ['10.180.0.2:80']],
    ['Local policy, no local endpoint: node → node port short-circuits', TEST_NODE_IP, TEST_NODE_IP, 3001, ['10.180.0.2:80 masq']],
    ['Cluster policy node port masquerades', OUTSIDE, TEST_NODE_IP, 3003, ['10.180.0.3:80 masq']],
    ['node port on localhost', TEST_NODE_IP, '127.0.0.1', 3003, ['10.180.0.3:80 masq']],
    ['source inside loadBalancerSourceRanges', OUTSIDE, '5.6.7.8', 80, ['10.180.0.3:80 masq']],
    ['source outside loadBalancerSourceRanges is dropped', '203.0.113.130', '5.6.7.8', 80, ['DROP']],
    ['external IP with Cluster policy', OUTSIDE, '192.168.99.33', 80, ['10.180.0.4:80 masq', '10.180.0.5:80 masq']],
  ])('%s', (_name, source, destination, port, expected, protocol = 'TCP') => {
    expect(flows(plan, source, destination, port, protocol)).toEqual(expected);
  });
});

describe('endpoint selection', () => {
  it('a cluster IP packet reaches exactly the ready endpoints', () => {
    const plan = planIptables(
      makeState([
        makeServicePort('ns', 'web', 'http', (sp) => {
          sp.clusterIP = '172.30.1.1';
          sp.endpoints.push(
            makeEndpoint('10.1.0.1', 8080),
            makeEndpoint('10.1.0.2', 8080, (ep) => (ep.ready = false)),
            makeEndpoint('10.1.0.3', 8080, (ep) => Object.assign(ep, { ready: false, serving: true, terminating: true })),
            makeEndpoint('10.1.0.4', 8080),
          );
        }),
      ]),
    );
    expect(flows(plan, POD, '172.30.1.1', 80)).toEqual(['10.1.0.1:8080', '10.1.0.4:8080']);
  });

  it('falls back to serving-terminating endpoints when none is ready', () => {
    const plan = planIptables(
      makeState([
        makeServicePort('ns', 'web', 'http', (sp) => {
          sp.clusterIP = '172.30.1.1';
          sp.endpoints.push(
            makeEndpoint('10.1.0.2', 8080, (ep) => (ep.ready = false)),
            makeEndpoint('10.1.0.3', 8080, (ep) => Object.assign(ep, { ready: false, serving: true, terminating: true })),
          );
        }),
      ]),
    );
    expect(flows(plan, POD, '172.30.1.1', 80)).toEqual(['10.1.0.3:8080']);
  });

  it('a Local-policy node port reaches only local endpoints and keeps the client address', () => {
    const plan = planIptables(
      makeState([
        makeServicePort('ns', 'web', 'http', (sp) => {
          sp.clusterIP = '172.30.1.1';
          sp.nodePort = 30080;
          sp.externalPolicyLocal = true;
          sp.endpoints.push(
            makeEndpoint('10.1.0.1', 8080, (ep) => (ep.isLocal = true)),
            makeEndpoint('10.1.0.2', 8080),
            makeEndpoint('10.1.0.3', 8080, (ep) => (ep.isLocal = true)),
          );
        }),
      ]),
    );
    expect(flows(plan, OUTSIDE, TEST_NODE_IP, 30080)).toEqual(['10.1.0.1:8080', '10.1.0.3:8080']);
    // The cluster IP still uses every endpoint.
    expect(flows(plan, POD, '172.30.1.1', 80)).toEqual(['10.1.0.1:8080', '10.1.0.2:8080', '10.1.0.3:8080']);
  });

  it('session affinity keeps every endpoint reachable (the recent match goes both ways)', () => {
    const plan = planIptables(
      makeState([
        makeServicePort('ns', 'web', 'http', (sp) => {
          sp.clusterIP = '172.30.1.1';
          sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 30 };
          sp.endpoints.push(makeEndpoint('10.1.0.1', 8080), makeEndpoint('10.1.0.2', 8080));
        }),
      ]),
    );
    expect(flows(plan, POD, '172.30.1.1', 80)).toEqual(['10.1.0.1:8080', '10.1.0.2:8080']);
  });
});
