// Strategic merge patch (application/strategic-merge-patch+json) for the kinds served here:
// maps merge, `null` deletes, lists merge by key where upstream tags them so (patch-meta.ts)
// and are replaced otherwise; the directives kubectl apply sends ($patch, $setElementOrder,
// $deleteFromPrimitiveList, $retainKeys) are honoured. Pure.
import { cloneJson, deepEqual, isJsonObject, omitKeys, PatchError, type JsonObject, type JsonValue } from './json-value.ts';
import { listMergeMeta } from './patch-meta.ts';

const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function withoutDirective(value: JsonObject): JsonObject {
  return omitKeys(value, ['$patch']);
}

function sortByElementOrder(list: JsonValue[], order: JsonValue[], mergeKey: string | undefined): JsonValue[] {
  const keyOf = (item: JsonValue): JsonValue => (mergeKey !== undefined && isJsonObject(item) ? (item[mergeKey] ?? null) : item);
  const rank = (item: JsonValue): number => {
    const index = order.findIndex((o) => deepEqual(keyOf(o), keyOf(item)));
    return index === -1 ? order.length : index;
  };
  return list
    .map((item, i) => ({ item, i, r: rank(item) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.item);
}

function mergePrimitiveList(original: JsonValue[], patch: JsonValue[]): JsonValue[] {
  const result = [...original];
  for (const item of patch) if (!result.some((o) => deepEqual(o, item))) result.push(item);
  return result;
}

function mergeKeyedList(kind: string, path: string, original: JsonValue[], patch: JsonValue[], mergeKey: string): JsonValue[] {
  if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isJsonObject(item) && item.$patch === 'replace'));
  }
  const result = original.map((item) => cloneJson(item));
  for (const item of patch) {
    if (!isJsonObject(item)) throw new PatchError(`${path}: list items must be objects with the merge key "${mergeKey}"`);
    if (!Object.hasOwn(item, mergeKey)) throw new PatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const index = result.findIndex((o) => isJsonObject(o) && deepEqual(o[mergeKey], item[mergeKey]));
    if (item.$patch === 'delete') {
      if (index !== -1) result.splice(index, 1);
    } else if (index === -1) {
      result.push(withoutDirective(item));
    } else {
      result[index] = mergeObject(kind, path, result[index] as JsonObject, item);
    }
  }
  return result;
}

function mergeList(kind: string, path: string, original: JsonValue | undefined, patch: JsonValue[]): JsonValue[] {
  const meta = listMergeMeta(kind, path);
  if (meta === undefined || !Array.isArray(original)) {
    return patch.filter((item) => !(isJsonObject(item) && typeof item.$patch === 'string')).map((item) => (isJsonObject(item) ? withoutDirective(item) : item));
  }
  return meta.mergeKey === undefined ? mergePrimitiveList(original, patch) : mergeKeyedList(kind, path, original, patch, meta.mergeKey);
}

function applyDirectiveKeys(kind: string, path: string, result: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) && Array.isArray(value)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((item) => !value.some((v) => deepEqual(v, item)));
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(SET_ELEMENT_ORDER) && Array.isArray(value)) {
      const field = key.slice(SET_ELEMENT_ORDER.length);
      const current = result[field];
      if (Array.isArray(current)) result[field] = sortByElementOrder(current, value, listMergeMeta(kind, join(path, field))?.mergeKey);
    }
  }
}

function mergeObject(kind: string, path: string, original: JsonObject, patch: JsonObject): JsonObject {
  if (patch.$patch === 'replace') return withoutDirective(patch);
  const result: JsonObject = { ...original };
  const retainKeys = patch.$retainKeys;
  if (Array.isArray(retainKeys)) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    const fieldPath = join(path, key);
    const current = result[key];
    if (value === null) delete result[key];
    else if (isJsonObject(value) && value.$patch === 'delete') delete result[key];
    else if (isJsonObject(value)) result[key] = mergeObject(kind, fieldPath, isJsonObject(current) ? current : {}, value);
    else if (Array.isArray(value)) result[key] = mergeList(kind, fieldPath, current, value);
    else result[key] = value;
  }
  applyDirectiveKeys(kind, path, result, patch);
  return result;
}

export function applyStrategicMergePatch(kind: string, original: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) throw new PatchError('strategic merge patch must be a JSON object');
  if (!isJsonObject(original)) throw new PatchError('the object to patch must be a JSON object');
  const directive = patch.$patch;
  if (directive !== undefined && directive !== 'replace' && directive !== 'merge') {
    throw new PatchError(`Unknown patch directive: ${JSON.stringify(directive)}`);
  }
  return mergeObject(kind, '', original, patch);
}
