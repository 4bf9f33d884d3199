// Per-kind registry rules for writes made through the HTTP API (seeds and the programmatic
// handle store objects as given, as if written straight to etcd): the status of kinds with
// a status subresource is not set by create or update of the main resource.
import { isJsonObject, omitKeys, type JsonObject } from './patch/json-value.ts';
import type { ResourceInfo } from './resources.ts';
import { defaultServiceSpec, keepAllocatedValues, type ServiceAllocations } from './service-defaults.ts';

const KINDS_WITH_STATUS = new Set(['Service', 'Node', 'Namespace']);

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return KINDS_WITH_STATUS.has(info.kind) && info.group === '';
}

/** upstream's defaulting and PrepareForCreate: a new Service is defaulted, gets its IP and node ports and an empty status; a Namespace starts Active. */
export function prepareForCreate(info: ResourceInfo, object: JsonObject, allocations?: ServiceAllocations): JsonObject {
  if (info.group !== '') return object;
  if (info.kind === 'Service') {
    const spec = defaultServiceSpec(object.spec, allocations);
    return { ...object, ...(spec === undefined ? {} : { spec }), status: { loadBalancer: {} } };
  }
  if (info.kind === 'Namespace') {
    const metadata = isJsonObject(object.metadata) ? object.metadata : {};
    const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    return {
      ...object,
      metadata: { ...metadata, labels: { ...labels, 'kubernetes.io/metadata.name': name } },
      spec: isJsonObject(object.spec) && Array.isArray(object.spec.finalizers) ? object.spec : { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
  }
  return object;
}

/** upstream's PrepareForUpdate: the main resource keeps the stored status. */
export function prepareForUpdate(info: ResourceInfo, next: JsonObject, current: JsonObject): JsonObject {
  if (!hasStatusSubresource(info)) return next;
  let rest = omitKeys(next, ['status']);
  if (info.kind === 'Service') {
    const spec = defaultServiceSpec(keepAllocatedValues(rest.spec, current.spec), undefined);
    if (spec !== undefined) rest = { ...rest, spec };
  }
  return current.status === undefined ? rest : { ...rest, status: current.status };
}

/** The status subresource: only .status changes. */
export function prepareStatusUpdate(next: JsonObject, current: JsonObject): JsonObject {
  const rest = omitKeys(current, ['status']);
  const metadata = isJsonObject(next.metadata) ? next.metadata : {};
  const currentMeta = isJsonObject(current.metadata) ? current.metadata : {};
  const withVersion = {
    ...rest,
    metadata: { ...currentMeta, ...(metadata.resourceVersion === undefined ? {} : { resourceVersion: metadata.resourceVersion }) },
  };
  return next.status === undefined ? withVersion : { ...withVersion, status: next.status };
}
