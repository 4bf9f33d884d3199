// The object a BOOKMARK event carries: an empty object of the watched kind holding only
// the resourceVersion, serialized as upstream's Go types serialize their zero values.
import type { JsonObject } from './patch/json-value.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';

export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

const NODE_INFO_FIELDS = [
  'machineID',
  'systemUUID',
  'bootID',
  'kernelVersion',
  'osImage',
  'containerRuntimeVersion',
  'kubeletVersion',
  'kubeProxyVersion',
  'operatingSystem',
  'architecture',
];

function zeroBody(info: ResourceInfo): JsonObject {
  switch (info.kind) {
    case 'Service':
      return { spec: {}, status: { loadBalancer: {} } };
    case 'EndpointSlice':
      return { addressType: '', endpoints: null };
    case 'Node':
      return {
        spec: {},
        status: { daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: Object.fromEntries(NODE_INFO_FIELDS.map((f) => [f, ''])) },
      };
    case 'Namespace':
      return { spec: {}, status: {} };
    default:
      return {};
  }
}

export function bookmarkObject(info: ResourceInfo, resourceVersion: number, isInitialEventsEnd: boolean): JsonObject {
  const metadata: JsonObject = { resourceVersion: String(resourceVersion), creationTimestamp: null };
  if (isInitialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
  return { kind: info.kind, apiVersion: apiVersionOf(info), metadata, ...zeroBody(info) };
}
