// What the registry does to an object's metadata on create and update: names checked,
// uid/creationTimestamp/generation assigned or preserved, keys in upstream's order.
import { randomUUID } from 'node:crypto';
import { deepEqual, isJsonObject, omitKeys, type JsonObject } from './patch/json-value.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import { badRequest, invalid } from './status.ts';

const METADATA_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameProblem(info: ResourceInfo, name: string): string | undefined {
  if (name === '.' || name === '..' || name.includes('/') || name.includes('%')) return `may not contain '/' or '%' and may not be '.' or '..'`;
  if (info.kind === 'Service') {
    return name.length <= 63 && DNS_1035_LABEL.test(name)
      ? undefined
      : `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;
  }
  if (info.kind === 'Namespace') {
    return name.length <= 63 && DNS_1123_LABEL.test(name)
      ? undefined
      : `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
  }
  if (info.kind === 'Event') return undefined;
  return name.length <= 253 && DNS_1123_SUBDOMAIN.test(name)
    ? undefined
    : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
}

export function canonicalObject(object: JsonObject): JsonObject {
  const { kind, apiVersion, metadata, ...rest } = object;
  const orderedMetadata: JsonObject = {};
  if (isJsonObject(metadata)) {
    for (const key of METADATA_ORDER) if (metadata[key] !== undefined) orderedMetadata[key] = metadata[key];
    for (const [key, value] of Object.entries(metadata)) if (!METADATA_ORDER.includes(key)) orderedMetadata[key] = value;
  }
  return { ...(kind === undefined ? {} : { kind }), ...(apiVersion === undefined ? {} : { apiVersion }), metadata: orderedMetadata, ...rest };
}

export function metadataOf(object: JsonObject): JsonObject {
  return isJsonObject(object.metadata) ? object.metadata : {};
}

export function nameOf(object: JsonObject): string {
  const name = metadataOf(object).name;
  return typeof name === 'string' ? name : '';
}

export function namespaceOf(object: JsonObject): string {
  const namespace = metadataOf(object).namespace;
  return typeof namespace === 'string' ? namespace : '';
}

/** The server's own name for a generated name: generateName plus five random characters. */
function generatedName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i += 1) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `${prefix}${suffix}`;
}

function checkStringMap(info: ResourceInfo, name: string, metadata: JsonObject, field: 'labels' | 'annotations'): void {
  const map = metadata[field];
  if (map === undefined || map === null) return;
  const bad = !isJsonObject(map) ? map : Object.entries(map).find(([, v]) => typeof v !== 'string');
  if (bad !== undefined) {
    throw invalid(info.kind, info.group, name, [
      { field: `metadata.${field}`, reason: 'FieldValueInvalid', message: 'Invalid value: must be a map of strings' },
    ]);
  }
}

/** The kind/apiVersion/metadata checks every write makes; returns the object's name. */
export function checkIdentity(info: ResourceInfo, object: unknown, urlNamespace: string | undefined): JsonObject {
  if (!isJsonObject(object)) throw badRequest('the body of the request must be a JSON object');
  if (object.kind === undefined || object.kind === '') throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(object).slice(0, 200)}'`);
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersionOf(info)) {
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersionOf(info)})`);
  }
  if (object.kind !== info.kind) throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${info.kind})`);
  if (object.metadata !== undefined && !isJsonObject(object.metadata)) throw badRequest('metadata must be an object');
  const metadata = metadataOf(object);
  const bodyNamespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  if (info.namespaced && urlNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== urlNamespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return object;
}

function checkName(info: ResourceInfo, name: string, metadata: JsonObject): void {
  if (name === '') {
    throw invalid(info.kind, info.group, '', [
      { field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' },
    ]);
  }
  const problem = nameProblem(info, name);
  if (problem !== undefined) {
    throw invalid(info.kind, info.group, name, [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${problem}` }]);
  }
  checkStringMap(info, name, metadata, 'labels');
  checkStringMap(info, name, metadata, 'annotations');
}

export interface WriteContext {
  readonly now: Date;
  /** A direct write (seed, handle) keeps a given uid, creationTimestamp and generation, as a restore from etcd would. */
  readonly keepsIdentity: boolean;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The object as create stores it (resourceVersion is stamped by the store). */
export function prepareCreate(info: ResourceInfo, object: JsonObject, namespace: string, context: WriteContext): JsonObject {
  const metadata = { ...metadataOf(object) };
  if ((metadata.name === undefined || metadata.name === '') && typeof metadata.generateName === 'string' && metadata.generateName !== '') {
    metadata.name = generatedName(metadata.generateName);
  }
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  checkName(info, name, metadata);
  if (info.namespaced) metadata.namespace = namespace;
  else delete metadata.namespace;
  delete metadata.selfLink;
  delete metadata.deletionTimestamp;
  delete metadata.deletionGracePeriodSeconds;
  delete metadata.resourceVersion;
  const keeps = context.keepsIdentity;
  if (!keeps || !isSet(metadata.uid)) metadata.uid = randomUUID();
  if (!keeps || !isSet(metadata.creationTimestamp)) metadata.creationTimestamp = timestamp(context.now);
  if (!info.hasGeneration) delete metadata.generation;
  else if (!keeps || typeof metadata.generation !== 'number') metadata.generation = 1;
  return canonicalObject({ ...object, apiVersion: apiVersionOf(info), kind: info.kind, metadata });
}

function withoutMetadata(object: JsonObject): JsonObject {
  return omitKeys(object, ['metadata', 'kind', 'apiVersion']);
}

/** The object as update stores it, or `undefined` when nothing would change (no write, no event). */
export function prepareUpdate(info: ResourceInfo, object: JsonObject, current: JsonObject): JsonObject | undefined {
  const currentMeta = metadataOf(current);
  const metadata = { ...metadataOf(object) };
  const name = typeof currentMeta.name === 'string' ? currentMeta.name : '';
  checkName(info, name, metadata);
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion']) {
    if (currentMeta[key] === undefined) delete metadata[key];
    else metadata[key] = currentMeta[key] as JsonObject[string];
  }
  delete metadata.selfLink;
  let next = canonicalObject({ ...object, apiVersion: apiVersionOf(info), kind: info.kind, metadata });
  if (deepEqual(next, current)) return undefined;
  if (info.hasGeneration && !deepEqual(withoutMetadata(next), withoutMetadata(current))) {
    const generation = typeof currentMeta.generation === 'number' ? currentMeta.generation : 0;
    next = { ...next, metadata: { ...metadata, generation: generation + 1 } };
    next = canonicalObject(next);
  }
  return next;
}
