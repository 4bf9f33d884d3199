import { describe, expect, it } from 'vitest';
import { planIptables } from './plan.ts';
import { makeEndpoint, makeServicePort, makeState, type ServicePortDraft } from '../../../../../test/helpers/state-builders.ts';

describe('the renderer refuses values that would inject iptables arguments', () => {
  it.each<[string, (sp: ServicePortDraft) => void]>([
    ['a cluster IP with arguments', (sp) => (sp.clusterIP = '10.0.0.1 -j ACCEPT')],
    ['a port name with a newline', (sp) => (sp.servicePortName = 'ns/svc:p\n-A INPUT -j ACCEPT')],
    ['a quoted source range', (sp) => ((sp.loadBalancerVIPs = ['1.2.3.4']), (sp.loadBalancerSourceRanges = ['"0.0.0.0/0"']))],
    ['an endpoint with a space', (sp) => sp.endpoints.push(makeEndpoint('10.0.0.1 ', 80))],
    ['a port out of range', (sp) => (sp.port = 70000)],
    ['a negative node port', (sp) => (sp.nodePort = -1)],
  ])('%s', (_name, mutate) => {
    const port = makeServicePort('ns', 'svc', 'p', (sp) => {
      sp.endpoints.push(makeEndpoint('10.0.0.9', 80));
      mutate(sp);
    });
    expect(() => planIptables(makeState([port]))).toThrow(/unrenderable/);
  });

  it('accepts ordinary values, IPv6 included', () => {
    const port = makeServicePort('ns', 'svc', '', (sp) => {
      sp.clusterIP = 'fd00::1';
      sp.endpoints.push(makeEndpoint('fd00:10::2', 80));
    });
    expect(() => planIptables(makeState([port]))).not.toThrow();
  });
});

describe('the word check', () => {
  it.each(['10.0.0.1\u00a0', 'ns/svc:p\u2028x', '10.0.0.1\t', 'a\u007f', "it's"])('rejects %j, non-ASCII whitespace included', (clusterIP) => {
    const port = makeServicePort('ns', 'svc', 'p', (sp) => (sp.clusterIP = clusterIP));
    expect(() => planIptables(makeState([port]))).toThrow(/unrenderable clusterIP/);
  });

  it('accepts non-ASCII that is not whitespace', () => {
    const port = makeServicePort('ns', 'svc', 'p', (sp) => (sp.clusterIP = 'é10.0.0.1'));
    expect(() => planIptables(makeState([port]))).not.toThrow();
  });
});
