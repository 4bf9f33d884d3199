// get / create / update / patch / delete on one object, as the registry performs them.
// `direct` writes (seeds, the programmatic handle) store objects as given, like a write
// straight to etcd, and create missing namespaces; HTTP writes follow the per-kind strategy.
import { isJsonObject, PatchError, type JsonObject } from './patch/json-value.ts';
import { applyPatch, parsePatchBody, type PatchType } from './patch/apply-patch-body.ts';
import { checkIdentity, metadataOf, nameOf, namespaceOf, prepareCreate, prepareUpdate, type WriteContext } from './object-meta.ts';
import { findResource, type ResourceInfo } from './resources.ts';
import { alreadyExists, ApiStatusError, badRequest, conflict, failure, invalid, MODIFIED_CONFLICT, notFound } from './status.ts';
import { objectKey, type ObjectStore } from './store.ts';
import type { ServiceAllocations } from './service-defaults.ts';
import { prepareForCreate, prepareForUpdate, prepareStatusUpdate } from './strategy.ts';

export const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceInfo;

export interface WriteOptions {
  readonly dryRun: boolean;
  /** Seed or handle write: no strategy, missing namespaces created. */
  readonly direct: boolean;
}

export interface OperationContext {
  readonly store: ObjectStore;
  readonly now: () => Date;
  /** Where Services created through the API get their ClusterIP. */
  readonly serviceCIDR: string;
}

const SERVICES = findResource('', 'v1', 'services') as ResourceInfo;

/** The ClusterIPs and NodePorts held by stored Services; a taken ClusterIP is refused as upstream does. */
function serviceAllocations(context: OperationContext, object: JsonObject): ServiceAllocations {
  const usedClusterIPs = new Set<string>();
  const usedNodePorts = new Set<number>();
  for (const { spec } of context.store.objects(SERVICES)) {
    if (!isJsonObject(spec)) continue;
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') usedClusterIPs.add(spec.clusterIP);
    for (const port of Array.isArray(spec.ports) ? spec.ports : [])
      if (isJsonObject(port) && typeof port.nodePort === 'number') usedNodePorts.add(port.nodePort);
  }
  const wanted = isJsonObject(object.spec) ? object.spec.clusterIP : undefined;
  if (typeof wanted === 'string' && wanted !== 'None' && usedClusterIPs.has(wanted)) {
    throw invalid('Service', '', nameOf(object), [
      {
        field: 'spec.clusterIPs',
        reason: 'FieldValueInvalid',
        message: `Invalid value: []string{"${wanted}"}: failed to allocate IP ${wanted}: provided IP is already allocated`,
      },
    ]);
  }
  return { usedClusterIPs, usedNodePorts, serviceCIDR: context.serviceCIDR };
}

function writeContext(context: OperationContext, options: WriteOptions = { dryRun: false, direct: false }): WriteContext {
  return { now: context.now(), keepsIdentity: options.direct };
}

export function getObject(context: OperationContext, info: ResourceInfo, namespace: string, name: string): JsonObject {
  const object = context.store.get(info, objectKey(info, namespace, name));
  if (object === undefined) throw notFound(info, name);
  return object;
}

function ensureNamespace(context: OperationContext, info: ResourceInfo, namespace: string, options: WriteOptions): void {
  if (!info.namespaced || context.store.get(NAMESPACES, namespace) !== undefined) return;
  if (!options.direct) throw notFound(NAMESPACES, namespace);
  if (options.dryRun) return;
  const created = prepareForCreate(NAMESPACES, prepareCreate(NAMESPACES, { kind: 'Namespace', metadata: { name: namespace } }, '', writeContext(context)));
  context.store.commit(NAMESPACES, namespace, created);
}

export function createObject(context: OperationContext, info: ResourceInfo, urlNamespace: string, body: unknown, options: WriteOptions): JsonObject {
  const object = checkIdentity(info, body, urlNamespace);
  const namespace = info.namespaced ? (urlNamespace !== '' ? urlNamespace : String(metadataOf(object).namespace ?? '') || 'default') : '';
  let prepared = prepareCreate(info, object, namespace, writeContext(context, options));
  ensureNamespace(context, info, namespace, options);
  const key = objectKey(info, namespace, nameOf(prepared));
  if (context.store.get(info, key) !== undefined) throw alreadyExists(info, nameOf(prepared));
  if (!options.direct) prepared = prepareForCreate(info, prepared, info === SERVICES ? serviceAllocations(context, prepared) : undefined);
  return options.dryRun ? prepared : context.store.commit(info, key, prepared);
}

function checkPrecondition(info: ResourceInfo, name: string, object: JsonObject, current: JsonObject): void {
  const wanted = metadataOf(object).resourceVersion;
  if (wanted !== undefined && wanted !== '' && wanted !== metadataOf(current).resourceVersion) throw conflict(info, name, MODIFIED_CONFLICT);
}

function isFinalized(object: JsonObject): boolean {
  const metadata = metadataOf(object);
  return metadata.deletionTimestamp !== undefined && (!Array.isArray(metadata.finalizers) || metadata.finalizers.length === 0);
}

/** Stores an update of `current`; a no-op update writes nothing and returns `current`. */
function storeUpdate(context: OperationContext, info: ResourceInfo, key: string, next: JsonObject, current: JsonObject, options: WriteOptions): JsonObject {
  const prepared = prepareUpdate(info, next, current);
  if (prepared === undefined) return current;
  if (options.dryRun) return prepared;
  if (isFinalized(prepared)) {
    context.store.commit(info, key, prepared);
    context.store.commit(info, key, undefined);
    return prepared;
  }
  return context.store.commit(info, key, prepared);
}

export interface UpdateResult {
  readonly object: JsonObject;
  readonly created: boolean;
}

export function updateObject(
  context: OperationContext,
  request: { info: ResourceInfo; namespace: string; name: string; subresource: string | undefined },
  body: unknown,
  options: WriteOptions,
): UpdateResult {
  const { info, namespace, name } = request;
  const object = checkIdentity(info, body, namespace);
  if (nameOf(object) !== name) throw badRequest(`the name of the object (${nameOf(object)}) does not match the name on the URL (${name})`);
  const key = objectKey(info, namespace, name);
  const current = context.store.get(info, key);
  if (current === undefined) {
    if (!info.allowCreateOnUpdate || request.subresource !== undefined) throw notFound(info, name);
    return { object: createObject(context, info, namespace, object, options), created: true };
  }
  checkPrecondition(info, name, object, current);
  let next = object;
  if (request.subresource === 'status') next = prepareStatusUpdate(object, current);
  else if (!options.direct) next = prepareForUpdate(info, object, current);
  return { object: storeUpdate(context, info, key, next, current, options), created: false };
}

export function patchObject(
  context: OperationContext,
  request: { info: ResourceInfo; namespace: string; name: string; subresource: string | undefined },
  patch: { type: PatchType; text: string; fieldManager: string | undefined },
  options: WriteOptions,
): UpdateResult {
  const { info, namespace, name } = request;
  if (patch.type === 'apply' && (patch.fieldManager === undefined || patch.fieldManager === '')) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [
      { field: 'fieldManager', reason: 'FieldValueRequired', message: 'Required value: is required for apply patch' },
    ]);
  }
  const key = objectKey(info, namespace, name);
  const current = context.store.get(info, key);
  try {
    const parsed = parsePatchBody(patch.type, patch.text);
    if (current === undefined) {
      if (patch.type !== 'apply' || request.subresource !== undefined) throw notFound(info, name);
      return { object: createObject(context, info, namespace, parsed, options), created: true };
    }
    const patched = applyPatch(patch.type, info.kind, current, parsed);
    if (!isJsonObject(patched)) throw new PatchError('the patched object is not a JSON object');
    if (nameOf(patched) !== name) throw badRequest(`the name of the object (${nameOf(patched)}) does not match the name on the URL (${name})`);
    return updateObject(context, request, patched, options);
  } catch (error) {
    if (error instanceof PatchError) throw new ApiStatusError(failure(422, 'Invalid', error.message));
    throw error;
  }
}

interface DeleteOptionsBody {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

function checkDeletePreconditions(info: ResourceInfo, name: string, current: JsonObject, body: DeleteOptionsBody | undefined): void {
  const metadata = metadataOf(current);
  const uid = body?.preconditions?.uid;
  if (uid !== undefined && uid !== metadata.uid) {
    throw conflict(info, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(metadata.uid)}`);
  }
  const resourceVersion = body?.preconditions?.resourceVersion;
  if (resourceVersion !== undefined && resourceVersion !== metadata.resourceVersion) {
    throw conflict(
      info,
      name,
      `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${String(metadata.resourceVersion)}`,
    );
  }
}

function deleteNamespaceContents(context: OperationContext, namespace: string): void {
  for (const info of context.store.resources()) {
    if (!info.namespaced) continue;
    for (const object of context.store.objects(info)) {
      if (namespaceOf(object) === namespace) context.store.commit(info, objectKey(info, namespace, nameOf(object)), undefined);
    }
  }
}

/** Deletes now, or marks for deletion when finalizers remain (the object is returned then). */
export function deleteObject(
  context: OperationContext,
  request: { info: ResourceInfo; namespace: string; name: string },
  body: DeleteOptionsBody | undefined,
  options: WriteOptions,
): JsonObject {
  const { info, namespace, name } = request;
  const key = objectKey(info, namespace, name);
  const current = context.store.get(info, key);
  if (current === undefined) throw notFound(info, name);
  checkDeletePreconditions(info, name, current, body);
  const metadata = metadataOf(current);
  if (Array.isArray(metadata.finalizers) && metadata.finalizers.length > 0 && info.kind !== 'Namespace') {
    if (metadata.deletionTimestamp !== undefined || options.dryRun) return current;
    const marked = {
      ...current,
      metadata: {
        ...metadata,
        deletionTimestamp: writeContext(context)
          .now.toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        deletionGracePeriodSeconds: 0,
      },
    };
    return context.store.commit(info, key, marked);
  }
  if (!options.dryRun) {
    if (info.kind === 'Namespace') deleteNamespaceContents(context, name);
    context.store.commit(info, key, undefined);
  }
  const details = { name, ...(info.group === '' ? {} : { group: info.group }), kind: info.resource, uid: String(metadata.uid ?? '') };
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
