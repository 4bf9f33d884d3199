// Typed reads from untrusted decoded objects. Nothing throws: a field of the wrong type is
// recorded as a FieldError (with its JSON path) and read as absent.
import type { RawObject } from './inputs.ts';

export interface FieldError {
  /** JSON path of the offending field, e.g. `spec.ports[1].name`. */
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;
}

export function isRecord(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** A nested object; absent or null reads as undefined. */
export function readRecord(object: RawObject | undefined, key: string, path: string, errors: FieldError[]): RawObject | undefined {
  const value = object?.[key];
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  errors.push({ field: childPath(path, key), value, reason: 'must be an object' });
  return undefined;
}

export function readString(object: RawObject | undefined, key: string, path: string, errors: FieldError[]): string | undefined {
  const value = object?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  errors.push({ field: childPath(path, key), value, reason: 'must be a string' });
  return undefined;
}

export function readBoolean(object: RawObject | undefined, key: string, path: string, errors: FieldError[]): boolean | undefined {
  const value = object?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  errors.push({ field: childPath(path, key), value, reason: 'must be a boolean' });
  return undefined;
}

/** Any JSON number or undefined; range checks are the caller's. */
export function readNumber(object: RawObject | undefined, key: string, path: string, errors: FieldError[]): number | undefined {
  const value = object?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  errors.push({ field: childPath(path, key), value, reason: 'must be an integer' });
  return undefined;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

/** A list; absent or null reads as empty. */
export function readArray(object: RawObject | undefined, key: string, path: string, errors: FieldError[]): readonly unknown[] {
  const value = object?.[key];
  if (value === undefined || value === null) return EMPTY;
  if (Array.isArray(value)) return value;
  errors.push({ field: childPath(path, key), value, reason: 'must be a list' });
  return EMPTY;
}

/** A list of strings; entries of another type are errors and left out. */
export function readStringArray(object: RawObject | undefined, key: string, path: string, errors: FieldError[]): readonly string[] {
  const list = readArray(object, key, path, errors);
  const strings: string[] = [];
  list.forEach((entry, index) => {
    if (typeof entry === 'string') strings.push(entry);
    else errors.push({ field: indexPath(childPath(path, key), index), value: entry, reason: 'must be a string' });
  });
  return strings;
}

export type Labels = Readonly<Record<string, string>>;

const NO_LABELS: Labels = Object.freeze({});

/** `metadata.labels`, every value checked to be a string (the object itself is returned). */
export function readLabels(metadata: RawObject | undefined, errors: FieldError[]): Labels {
  const labels = readRecord(metadata, 'labels', 'metadata', errors);
  if (labels === undefined) return NO_LABELS;
  let isValid = true;
  for (const key in labels) {
    const value = labels[key];
    if (typeof value === 'string' || !Object.hasOwn(labels, key)) continue;
    errors.push({ field: `metadata.labels[${JSON.stringify(key)}]`, value, reason: 'must be a string' });
    isValid = false;
  }
  return isValid ? (labels as Labels) : NO_LABELS;
}

/** An own label's value; never one inherited from Object.prototype. */
export function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}
