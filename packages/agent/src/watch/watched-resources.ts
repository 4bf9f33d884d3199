// The three resources kpx watches, with kube-proxy's selectors applied.
import type { ResourceDescriptor, ResourceName } from './list-watch.ts';
import { nodeFieldSelector, serviceLabelSelector } from './selectors.ts';

export function watchedResources(nodeName: string, serviceProxyName: string): Readonly<Record<ResourceName, ResourceDescriptor>> {
  const labelSelector = serviceLabelSelector(serviceProxyName);
  return {
    services: { name: 'services', apiVersion: 'v1', kind: 'Service', path: '/api/v1/services', selectors: { labelSelector } },
    endpointslices: {
      name: 'endpointslices',
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      selectors: { labelSelector },
    },
    node: { name: 'node', apiVersion: 'v1', kind: 'Node', path: '/api/v1/nodes', selectors: { fieldSelector: nodeFieldSelector(nodeName) } },
  };
}
