// Dispatches a PATCH body to the patch kind its Content-Type names. Pure.
import { parseDocument } from 'yaml';
import { applyJsonPatch } from './json-patch.ts';
import { PatchError, type JsonValue } from './json-value.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return TYPES[mediaType];
}

/** Parses a patch body: JSON for every type, YAML (a JSON superset) for apply. */
export function parsePatchBody(type: PatchType, text: string): JsonValue {
  if (type === 'apply') {
    const document = parseDocument(text);
    if (document.errors.length > 0) throw new PatchError(`error decoding YAML: ${document.errors[0]?.message ?? 'invalid'}`);
    return document.toJS() as JsonValue;
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new PatchError(`error decoding patch: ${(error as Error).message}`);
  }
}

/**
 * Applies a parsed patch. Server-side apply is reduced to a strategic merge of the applied
 * configuration (no managedFields, no removal of fields a manager stopped applying).
 */
export function applyPatch(type: PatchType, kind: string, current: JsonValue, patch: JsonValue): JsonValue {
  switch (type) {
    case 'json':
      return applyJsonPatch(current, patch);
    case 'merge':
      return applyMergePatch(current, patch);
    case 'strategic':
    case 'apply':
      return applyStrategicMergePatch(kind, current, patch);
  }
}
