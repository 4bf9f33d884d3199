// Field selectors as upstream's fields.ParseSelector reads them: `a=b`, `a==b`, `a!=b`,
// comma-joined, with `\,` `\=` `\\` escapes. Pure.
import type { ParseResult } from './label-selector.ts';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: 'equals' | 'notequals';
  readonly value: string;
}

export type FieldSelector = readonly FieldRequirement[];

/** Splits on unescaped `sep`, keeping escapes in place. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i += 1;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): ParseResult<string> {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const escaped = text[i + 1];
      if (escaped !== '\\' && escaped !== ',' && escaped !== '=') return { ok: false, error: `invalid field selector: '${text}'; invalid escape sequence` };
      out += escaped;
      i += 1;
    } else if (ch === ',' || ch === '=') {
      return { ok: false, error: `invalid field selector: '${text}'; unescaped '${ch}'` };
    } else {
      out += ch;
    }
  }
  return { ok: true, value: out };
}

function findOperator(term: string): { index: number; operator: '!=' | '==' | '=' } | undefined {
  for (let i = 0; i < term.length; i += 1) {
    if (term[i] === '\\') {
      i += 1;
      continue;
    }
    if (term.startsWith('!=', i)) return { index: i, operator: '!=' };
    if (term.startsWith('==', i)) return { index: i, operator: '==' };
    if (term[i] === '=') return { index: i, operator: '=' };
  }
  return undefined;
}

export function parseFieldSelector(text: string): ParseResult<FieldSelector> {
  if (text.trim() === '') return { ok: true, value: [] };
  const requirements: FieldRequirement[] = [];
  for (const term of splitUnescaped(text, ',')) {
    if (term === '') continue;
    const found = findOperator(term);
    if (found === undefined) return { ok: false, error: `invalid selector: '${text}'; can't understand '${term}'` };
    const field = term.slice(0, found.index);
    const value = unescape(term.slice(found.index + found.operator.length));
    if (!value.ok) return value;
    requirements.push({ field, operator: found.operator === '!=' ? 'notequals' : 'equals', value: value.value });
  }
  return { ok: true, value: requirements };
}

/** The field values an object exposes to selectors, as upstream's per-resource GetAttrs. */
export function fieldValue(object: Readonly<Record<string, unknown>>, field: string): string {
  let current: unknown = object;
  for (const part of field.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return field === 'spec.unschedulable' ? 'false' : '';
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

export function matchesFieldSelector(selector: FieldSelector, object: Readonly<Record<string, unknown>>): boolean {
  return selector.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === 'equals'));
}
