// Seed objects: Lists expanded into their items, each stored as a direct write.
import { KpxError } from '@kpx/agent/errors.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { isJsonObject, type JsonObject } from './patch/json-value.ts';

/** `kind: XList` / `kind: List` objects replaced by their items, recursively. */
export function expandLists(objects: readonly RawObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const object of objects) {
    const kind = object.kind;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(object.items)) {
      const items = object.items.filter((item): item is JsonObject => isJsonObject(item));
      if (items.length !== object.items.length) throw new KpxError('KPX_ERR_INPUT', `a ${kind} holds an item that is not an object`);
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
      const apiVersion = object.apiVersion;
      out.push(...expandLists(items.map((item) => ({ ...(itemKind === undefined ? {} : { kind: itemKind, apiVersion }), ...item }))));
    } else {
      out.push(object as JsonObject);
    }
  }
  return out;
}
