// Builders for the raw objects the watch tests create on the embedded API server.
import type { RawObject } from '@kpx/agent/model/inputs.ts';

type Labels = Readonly<Record<string, string>>;

export function makeService(namespace: string, name: string, options: { labels?: Labels; clusterIP?: string; port?: number } = {}): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name, ...(options.labels === undefined ? {} : { labels: options.labels }) },
    spec: {
      type: 'ClusterIP',
      clusterIP: options.clusterIP ?? '10.96.0.10',
      ports: [{ name: 'http', protocol: 'TCP', port: options.port ?? 80, targetPort: 8080 }],
    },
  };
}

export function makeSlice(
  namespace: string,
  name: string,
  serviceName: string,
  options: { labels?: Labels; addresses?: readonly string[] } = {},
): RawObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name, labels: { 'kubernetes.io/service-name': serviceName, ...options.labels } },
    addressType: 'IPv4',
    endpoints: (options.addresses ?? ['10.244.0.1']).map((address) => ({
      addresses: [address],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-a',
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

export function makeNode(name: string, address = '192.168.0.10'): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
    status: { addresses: [{ type: 'InternalIP', address }] },
  };
}

/** A copy of `object` with `metadata.resourceVersion` set, as the server would store it. */
export function withVersion(object: RawObject, resourceVersion: string): RawObject {
  return { ...object, metadata: { ...(object['metadata'] as object), resourceVersion } };
}
