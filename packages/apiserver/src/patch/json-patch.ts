// RFC 6902 JSON patch (application/json-patch+json). Pure.
import { cloneJson, deepEqual, isJsonObject, PatchError, type JsonValue } from './json-value.ts';

interface Location {
  readonly parent: JsonValue;
  readonly key: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function resolveParent(document: JsonValue, path: string[], pointer: string): Location {
  let current = document;
  for (const part of path.slice(0, -1)) {
    const next = Array.isArray(current) ? current[Number(part)] : isJsonObject(current) ? current[part] : undefined;
    if (next === undefined) throw new PatchError(`doc is missing path: "${pointer}"`);
    current = next;
  }
  return { parent: current, key: path.at(-1) ?? '' };
}

function arrayIndex(array: JsonValue[], key: string, allowEnd: boolean, pointer: string): number {
  if (allowEnd && key === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new PatchError(`invalid array index "${key}" in "${pointer}"`);
  const index = Number(key);
  if (index > array.length || (!allowEnd && index === array.length)) throw new PatchError(`array index out of bounds in "${pointer}"`);
  return index;
}

function getAt(document: JsonValue, pointer: string): JsonValue {
  const path = parsePointer(pointer);
  if (path.length === 0) return document;
  const { parent, key } = resolveParent(document, path, pointer);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, false, pointer)] : isJsonObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw new PatchError(`doc is missing path: "${pointer}"`);
  return value;
}

function addAt(document: JsonValue, pointer: string, value: JsonValue): JsonValue {
  const path = parsePointer(pointer);
  if (path.length === 0) return value;
  const { parent, key } = resolveParent(document, path, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else if (isJsonObject(parent)) parent[key] = value;
  else throw new PatchError(`doc is missing path: "${pointer}"`);
  return document;
}

function removeAt(document: JsonValue, pointer: string): JsonValue {
  const path = parsePointer(pointer);
  const { parent, key } = resolveParent(document, path, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, pointer), 1);
  else if (isJsonObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchError(`unable to remove nonexistent key: ${key}: missing value`);
  return document;
}

export function applyJsonPatch(target: JsonValue, operations: JsonValue): JsonValue {
  if (!Array.isArray(operations)) throw new PatchError('json patch must be an array of operations');
  let document = cloneJson(target);
  for (const operation of operations) {
    if (!isJsonObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new PatchError('each json patch operation needs "op" and "path"');
    }
    const { op, path } = operation;
    const from = typeof operation.from === 'string' ? operation.from : undefined;
    switch (op) {
      case 'add':
        document = addAt(document, path, cloneJson(operation.value ?? null));
        break;
      case 'remove':
        document = removeAt(document, path);
        break;
      case 'replace':
        getAt(document, path);
        if (path === '') {
          document = cloneJson(operation.value ?? null);
          break;
        }
        document = addAt(removeAt(document, path), path, cloneJson(operation.value ?? null));
        break;
      case 'move': {
        if (from === undefined) throw new PatchError('move operation needs "from"');
        const value = getAt(document, from);
        document = addAt(removeAt(document, from), path, value);
        break;
      }
      case 'copy': {
        if (from === undefined) throw new PatchError('copy operation needs "from"');
        document = addAt(document, path, cloneJson(getAt(document, from)));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(document, path), operation.value ?? null)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op}`);
    }
  }
  return document;
}
