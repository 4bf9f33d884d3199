import { describe, expect, it } from 'vitest';
import { splitClusterObjects } from './split-cluster-objects.ts';

const object = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, metadata: { name, namespace: 'default' } });

describe('splitClusterObjects', () => {
  it('keeps Services, v1 EndpointSlices and the node named like this host; counts the rest', () => {
    const service = object('v1', 'Service', 'web');
    const slice = object('discovery.k8s.io/v1', 'EndpointSlice', 'web-1');
    const thisNode = object('v1', 'Node', 'node-a');
    const split = splitClusterObjects(
      [
        service,
        slice,
        object('v1', 'Node', 'node-b'),
        thisNode,
        object('v1', 'Node', 'node-a'),
        object('discovery.k8s.io/v1beta1', 'EndpointSlice', 'old'),
        object('apps/v1', 'Deployment', 'web'),
        object('v1', 'Endpoints', 'web'),
      ],
      'node-a',
    );
    expect(split.services).toEqual([service]);
    expect(split.endpointSlices).toEqual([slice]);
    expect(split.node).toBe(thisNode);
    expect(Object.fromEntries(split.ignored)).toEqual({
      'v1/Node (other nodes)': 1,
      'v1/Node (duplicate of this node)': 1,
      'discovery.k8s.io/v1beta1/EndpointSlice': 1,
      'apps/v1/Deployment': 1,
      'v1/Endpoints': 1,
    });
  });

  it('has no node when none is named like this host', () => {
    expect(splitClusterObjects([object('v1', 'Node', 'other')], 'node-a').node).toBeUndefined();
  });
});
