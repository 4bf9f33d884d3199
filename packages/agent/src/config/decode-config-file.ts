// Decodes a parsed KubeProxyConfiguration document field by field, as kube-proxy does: its
// strict decoder first and, when only strictness failed (an unknown or duplicate field), its
// lenient one. A value of the wrong type or out of range is an error naming its path; an
// unknown field (a newer kube-proxy's, a typo) or a duplicate one is a warning naming it
// ("using lenient decoding as strict decoding failed"), and the rest of the file applies.
import { CONFIG_FIELDS, FIELD_BY_PATH, INERT_SUBTREES, SECTIONS, type FieldSpec, type FieldValue } from './config-fields.ts';
import { isRecord } from '../model/field-reader.ts';
import type { ConfigError } from './config-error.ts';
import { parseGoDuration } from './duration.ts';
import { CONFIG_API_VERSION, CONFIG_KIND } from './kube-proxy-config.ts';

export interface DecodedConfigFile {
  /** Fields present with a non-null value, by file path. */
  readonly values: ReadonlyMap<string, FieldValue>;
  /** `featureGates`, as given. */
  readonly featureGates: Readonly<Record<string, boolean>>;
  readonly errors: readonly ConfigError[];
  /** What only the strict decoder refuses: unknown and duplicate fields (ignored; the last duplicate wins). */
  readonly strictErrors: readonly ConfigError[];
  /** Fields kpx accepts and ignores (e.g. a non-zero portRange). */
  readonly warnings: readonly ConfigError[];
}

const TYPE_META = new Set(['apiVersion', 'kind']);

/** `duplicates`: the paths of keys given twice (the YAML reader finds them; the last one counts). */
export function decodeConfigFile(document: unknown, source: string, duplicates: readonly string[] = []): DecodedConfigFile {
  const values = new Map<string, FieldValue>();
  const featureGates: Record<string, boolean> = {};
  const errors: ConfigError[] = [];
  const strictErrors: ConfigError[] = duplicates.map((path) => ({ name: path, source, value: '', reason: 'duplicate field (the last value is used)' }));
  const warnings: ConfigError[] = [];
  const fail = (name: string, value: unknown, reason: string): void => {
    errors.push({ name, source, value: describe(value), reason });
  };
  const warn = (name: string, value: unknown, reason: string): void => {
    warnings.push({ name, source, value: describe(value), reason });
  };
  if (!isRecord(document)) {
    fail('(document)', document, `must be a ${CONFIG_KIND} object`);
    return { values, featureGates, errors, strictErrors, warnings };
  }
  if (document.apiVersion !== CONFIG_API_VERSION) fail('apiVersion', document.apiVersion, `must be ${CONFIG_API_VERSION}`);
  if (document.kind !== CONFIG_KIND) fail('kind', document.kind, `must be ${CONFIG_KIND}`);
  const visit = (object: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(object)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (prefix === '' && TYPE_META.has(key)) continue;
      if (INERT_SUBTREES.includes(path)) continue;
      if (path === 'featureGates') {
        decodeFeatureGates(value, featureGates, fail);
        continue;
      }
      const field = FIELD_BY_PATH.get(path);
      if (field !== undefined) {
        decodeField(field, value, values, fail, warn);
      } else if (SECTIONS.has(path)) {
        if (value === null) continue;
        if (isRecord(value)) visit(value, path);
        else fail(path, value, 'must be an object');
      } else {
        strictErrors.push({ name: path, source, value: '', reason: `unknown field, ignored${suggestionFor(key)} (known here: ${knownNamesUnder(prefix)})` });
      }
    }
  };
  visit(document, '');
  return { values, featureGates, errors, strictErrors, warnings };
}

type Fail = (name: string, value: unknown, reason: string) => void;

function decodeField(field: FieldSpec, raw: unknown, values: Map<string, FieldValue>, fail: Fail, warn: Fail): void {
  if (raw === null) return;
  const value = convert(field, raw);
  if (typeof value === 'object' && value !== null && 'error' in value) {
    fail(field.path, raw, value.error);
    return;
  }
  if (field.target === undefined) {
    if (!isZero(value)) warn(field.path, raw, 'has no effect in kpx: ignored');
    return;
  }
  const reason = runCheck(field, value);
  if (reason !== undefined) fail(field.path, raw, reason);
  else values.set(field.path, value);
}

function convert(field: FieldSpec, raw: unknown): FieldValue | { error: string } {
  switch (field.kind) {
    case 'bool':
      return typeof raw === 'boolean' ? raw : { error: 'must be true or false' };
    case 'string':
      return typeof raw === 'string' ? raw : { error: 'must be a string' };
    case 'int':
      return typeof raw === 'number' && Number.isInteger(raw) ? raw : { error: 'must be an integer' };
    case 'float':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : { error: 'must be a number' };
    case 'duration': {
      const ms = typeof raw === 'string' ? parseGoDuration(raw) : undefined;
      return ms ?? { error: 'must be a duration string such as 30s, 1m0s or 100ms' };
    }
    case 'list':
      return Array.isArray(raw) && raw.every((item) => typeof item === 'string') ? (raw as string[]) : { error: 'must be a list of strings' };
  }
}

/** Runs a field's check; exported so flags reuse exactly the file's rules. */
export function runCheck(field: FieldSpec, value: FieldValue): string | undefined {
  switch (field.kind) {
    case 'bool':
      return typeof value === 'boolean' ? field.check?.(value) : 'must be true or false';
    case 'string':
      return typeof value === 'string' ? field.check?.(value) : 'must be a string';
    case 'int':
    case 'float':
    case 'duration':
      return typeof value === 'number' ? field.check?.(value) : 'must be a number';
    case 'list':
      return Array.isArray(value) ? field.check?.(value as readonly string[]) : 'must be a list';
  }
}

function decodeFeatureGates(raw: unknown, gates: Record<string, boolean>, fail: Fail): void {
  if (raw === null) return;
  if (!isRecord(raw)) {
    fail('featureGates', raw, 'must be a map of feature names to true/false');
    return;
  }
  for (const [gate, enabled] of Object.entries(raw)) {
    if (typeof enabled === 'boolean') gates[gate] = enabled;
    else fail(`featureGates.${gate}`, enabled, 'must be true or false');
  }
}

function isZero(value: FieldValue): boolean {
  return value === false || value === '' || value === 0 || (Array.isArray(value) && value.length === 0);
}

/** `; did you mean iptables.masqueradeAll?` when the name (any case) exists elsewhere. */
function suggestionFor(key: string): string {
  const matches = CONFIG_FIELDS.map((field) => field.path).filter((path) => path.split('.').pop()?.toLowerCase() === key.toLowerCase());
  return matches.length === 0 ? '' : `; did you mean ${matches.join(' or ')}?`;
}

function knownNamesUnder(prefix: string): string {
  const start = prefix === '' ? '' : `${prefix}.`;
  const names = new Set<string>();
  for (const path of [...CONFIG_FIELDS.map((field) => field.path), ...INERT_SUBTREES, 'featureGates']) {
    if (path.startsWith(start)) names.add(path.slice(start.length).split('.')[0] ?? '');
  }
  return [...names].sort().join(', ');
}

function describe(value: unknown): string {
  if (value === '') return '';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
