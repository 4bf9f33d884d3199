// Picks what kube-proxy watches out of a pile of objects: Services, EndpointSlices
// (discovery.k8s.io/v1) and this node's Node. Everything else is counted, not used.
import type { ClusterObjects, RawObject } from '../model/inputs.ts';

export interface SplitObjects extends ClusterObjects {
  /** Objects not used, by `apiVersion/kind` (or a reason such as `Node (other nodes)`). */
  readonly ignored: ReadonlyMap<string, number>;
}

export function splitClusterObjects(objects: readonly RawObject[], hostname: string): SplitObjects {
  const services: RawObject[] = [];
  const endpointSlices: RawObject[] = [];
  let node: RawObject | undefined;
  const ignored = new Map<string, number>();
  const ignore = (label: string): void => {
    ignored.set(label, (ignored.get(label) ?? 0) + 1);
  };
  for (const object of objects) {
    const { apiVersion, kind } = object;
    if (kind === 'Service' && apiVersion === 'v1') services.push(object);
    else if (kind === 'EndpointSlice' && apiVersion === 'discovery.k8s.io/v1') endpointSlices.push(object);
    else if (kind === 'Node' && apiVersion === 'v1') {
      if (nameOf(object) !== hostname) ignore('v1/Node (other nodes)');
      else if (node !== undefined) ignore('v1/Node (duplicate of this node)');
      else node = object;
    } else ignore(`${String(apiVersion)}/${String(kind)}`);
  }
  return { services, endpointSlices, node, ignored };
}

function nameOf(object: RawObject): unknown {
  const metadata = object.metadata;
  return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>).name : undefined;
}
