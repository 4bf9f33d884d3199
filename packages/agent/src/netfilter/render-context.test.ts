import { describe, expect, it } from 'vitest';
import { buildRenderContext, formatMasqueradeMark } from './render-context.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../../../test/helpers/state-builders.ts';
import type { LocalDetector } from '../model/types.ts';

describe('formatMasqueradeMark', () => {
  it.each([
    [14, '0x00004000'],
    [0, '0x00000001'],
    [31, '0x80000000'],
  ])('bit %i is %s, like Go’s %%#08x', (bit, mark) => {
    expect(formatMasqueradeMark(bit)).toBe(mark);
  });
});

describe('local traffic detection', () => {
  it.each<[LocalDetector, string | undefined, string | undefined]>([
    [{ mode: 'ClusterCIDR', cidrs: ['10.0.0.0/8'] }, '-s 10.0.0.0/8', '! -s 10.0.0.0/8'],
    [{ mode: 'NodeCIDR', cidrs: ['10.0.3.0/24'] }, '-s 10.0.3.0/24', '! -s 10.0.3.0/24'],
    [{ mode: 'ClusterCIDR', cidrs: [] }, undefined, undefined],
    [{ mode: 'BridgeInterface', interfaceName: 'cbr0' }, '-i cbr0', '! -i cbr0'],
    [{ mode: 'InterfaceNamePrefix', interfacePrefix: 'veth' }, '-i veth+', '! -i veth+'],
    [{ mode: 'None' }, undefined, undefined],
  ])('%j', (detectLocal, ifLocal, ifNotLocal) => {
    const context = buildRenderContext(
      makeState(
        [],
        makeNodeContext((node) => (node.detectLocal = detectLocal)),
      ),
    );
    expect([context.ifLocal, context.ifNotLocal]).toEqual([ifLocal, ifNotLocal]);
  });
});

describe('buildRenderContext', () => {
  it('turns localhost node ports off when the node port addresses exclude loopback, as NewProxier does', () => {
    const on = buildRenderContext(
      makeState(
        [],
        makeNodeContext((node) => (node.nodePortAddresses = ['127.0.0.0/8'])),
      ),
    );
    const off = buildRenderContext(
      makeState(
        [],
        makeNodeContext((node) => (node.nodePortAddresses = ['192.168.0.0/24'])),
      ),
    );
    const ipv6 = buildRenderContext(
      makeState(
        [],
        makeNodeContext((node) => (node.ipFamily = 'IPv6')),
      ),
    );
    expect([on.localhostNodePorts, off.localhostNodePorts, ipv6.localhostNodePorts]).toEqual([true, false, false]);
  });

  it('enters large cluster mode above 1000 endpoints', () => {
    const port = (count: number) =>
      makeServicePort('ns', 'big', 'p', (sp) => {
        for (let i = 0; i < count; i++) sp.endpoints.push(makeEndpoint(`10.1.${i >> 8}.${i & 255}`, 80));
      });
    expect(buildRenderContext(makeState([port(1000)])).largeClusterMode).toBe(false);
    expect(buildRenderContext(makeState([port(1001)])).largeClusterMode).toBe(true);
  });
});
