// meta.k8s.io/v1 Table responses, which `kubectl get` asks for (Accept: …;as=Table;…).
import type { JsonObject } from './patch/json-value.ts';
import { tableColumns } from './table-columns.ts';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept.split(',')[0] ?? '') && /g=meta\.k8s\.io/.test(accept);
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function rowObject(object: JsonObject, include: IncludeObject): JsonObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata ?? {} };
}

/** `objects` with kind/apiVersion; `listMetadata` is the list's (resourceVersion, continue…). */
export function toTable(kind: string, objects: readonly JsonObject[], listMetadata: JsonObject, include: IncludeObject, nowMs: number): JsonObject {
  const columns = tableColumns(kind);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format, description: c.description, priority: c.priority })),
    rows: objects.map((object) => {
      const embedded = rowObject(object, include);
      return { cells: columns.map((c) => c.cell(object, nowMs)), ...(embedded === undefined ? {} : { object: embedded }) };
    }),
  };
}
