// Pure: YAML/JSON text → Kubernetes objects. Multi-document streams, and Lists expanded as
// `kubectl get -o yaml` prints them (`kind: List`, or `ServiceList` & co. whose items carry no
// kind). Garbage never throws: each bad document becomes an error naming its source and index.
//
// Three decoders, fastest first: JSON.parse for JSON; js-yaml for plain YAML (several times
// faster than the `yaml` package on a large kubectl dump); and the
// `yaml` package for everything else. js-yaml is used only where it cannot differ from `yaml`
// (YAML 1.2 core schema, no merge keys) and is refused anything that needs a safety limit
// (see decodePlainYAML); whatever it rejects goes to `yaml`, which reports each bad document.
// A YAML stream is decoded one document at a time (split-yaml-documents.ts), and at most
// `budget.documents` documents are read: past that the source is refused, not decoded.
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { Composer, Parser } from 'yaml';
import { isRecord } from '../model/field-reader.ts';
import type { RawObject } from '../model/inputs.ts';
import { canSplitYAMLDocuments, countYAMLDocuments, splitYAMLDocuments } from './split-yaml-documents.ts';

export interface LoadError {
  /** File path, or `stdin`. */
  readonly source: string;
  /** 1-based document number within the source; undefined for the whole source. */
  readonly document: number | undefined;
  readonly reason: string;
  /** The source could not be read at all (a runtime failure, not bad input). */
  readonly unreadable: boolean;
  /** Where a syntax error is, 1-based, within the whole source. */
  readonly line?: number;
  readonly column?: number;
}

export interface ParsedObjects {
  readonly objects: RawObject[];
  readonly errors: LoadError[];
}

/** Aliases per document: far above what real manifests use, far below a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;
const MAX_LIST_DEPTH = 4;

/** Documents (empty ones included) still to be read, shared by every source of one command. */
export interface DocumentBudget {
  documents: number;
}

/**
 * Documents one `kpx render` reads in all. The largest clusters Kubernetes supports (10k
 * Services, 150k pods in its scalability thresholds) dump to a few hundred thousand objects; a
 * million documents is well above that, and far below where per-document costs exhaust memory.
 */
export const MAX_DOCUMENTS = 1_000_000;

export function parseObjectsText(text: string, source: string, budget: DocumentBudget = { documents: MAX_DOCUMENTS }): ParsedObjects {
  const result: ParsedObjects = { objects: [], errors: [] };
  const json = tryJSON(text);
  // Counted before anything is decoded when the stream can be cut: a refused source costs a scan.
  if (json === undefined && canSplitYAMLDocuments(text) && countYAMLDocuments(text) > budget.documents) budget.documents = 0;
  let index = 0;
  for (const content of json === undefined ? decodeYAMLDocuments(text) : [json]) {
    if (budget.documents-- <= 0) {
      const reason = `more than ${MAX_DOCUMENTS} documents in all, the most kpx reads (empty ones count)`;
      result.errors.push({ source, document: undefined, reason, unreadable: true });
      break;
    }
    index++;
    if ('error' in content) {
      const at = content.line === undefined ? {} : { line: content.line, column: content.column ?? 1 };
      result.errors.push({ source, document: content.whole ? undefined : index, reason: content.error, unreadable: false, ...at });
    } else addDocument(content, source, index, result);
  }
  return result;
}

/** A `---` line and nothing else: no decoder needed. */
const EMPTY_DOCUMENT = /^---[ \t]*\r?\n?$/;
const EMPTY: DocumentContent = Object.freeze({ value: null });

/** Each document decoded as it is reached, so only one document's parse state is alive. */
function* decodeYAMLDocuments(text: string): Generator<DocumentContent> {
  if (!canSplitYAMLDocuments(text)) {
    yield* yamlDocuments(text, 0);
    return;
  }
  // The documents are slices of `text` in order: each one's first line, for its errors.
  let position = 0;
  let lines = 0;
  for (const document of splitYAMLDocuments(text)) {
    const start = text.indexOf(document, position);
    lines += countNewlines(text, position, start);
    position = start;
    if (EMPTY_DOCUMENT.test(document)) {
      yield EMPTY;
      continue;
    }
    const fast = decodePlainYAML(document);
    if (fast !== undefined && fast.length === 1) yield fast[0]!;
    else yield* yamlDocuments(document, lines);
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** 1-based line and column of `offset` in `text`, the text's first line being line `firstLine + 1`. */
function positionOf(text: string, offset: number, firstLine: number): { line: number; column: number } {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return { line: firstLine + countNewlines(text, 0, offset) + 1, column: offset - lineStart + 1 };
}

/** `in.yaml:5:4: document 1: not valid YAML: …`: the place of a syntax error as editors read it. */
export function formatLoadError(error: LoadError): string {
  const where = error.line === undefined ? error.source : `${error.source}:${error.line}:${error.column ?? 1}`;
  return error.document === undefined ? `${where}: ${error.reason}` : `${where}: document ${error.document}: ${error.reason}`;
}

function tryJSON(text: string): { value: unknown } | undefined {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined; // a flow-style YAML document, or broken: the YAML parser reports which
  }
}

type DocumentContent = { value: unknown } | { error: string; whole?: boolean; line?: number; column?: number };

/** Nesting far beyond any Kubernetes object, far below what could exhaust the stack. */
const MAX_PLAIN_DEPTH = 64;
/**
 * What could start a tag (`!`) or a directive (`%YAML 1.1` changes the schema): the two places
 * where the parsers' schemas differ. Over-matching (a `!` inside a string) only costs speed.
 */
const MAY_HAVE_TAG_OR_DIRECTIVE = /(?:^|[\s[{,:])!|^\ufeff?%/m;

/**
 * Every document of `text` decoded by js-yaml, or undefined when js-yaml throws for any
 * reason (bad syntax, a duplicate key, an unknown tag, nesting deeper than MAX_PLAIN_DEPTH, or
 * any alias at all), or when the text may hold a tag or directive: the `yaml` path then decodes
 * it and says what is wrong with which document. Aliases are refused because js-yaml shares
 * aliased nodes instead of counting their expansion, so only `yaml` can apply MAX_ALIAS_COUNT
 * to an alias bomb. One known difference remains: a float literal beyond the double range
 * (`1e400`) stays a string here where `yaml` makes it Infinity; neither is a valid field value.
 */
export function decodePlainYAML(text: string): DocumentContent[] | undefined {
  if (MAY_HAVE_TAG_OR_DIRECTIVE.test(text)) return undefined;
  try {
    const documents = loadAll(text, { schema: CORE_SCHEMA, json: false, maxAliases: 0, maxDepth: MAX_PLAIN_DEPTH });
    return documents.map((value) => ({ value }));
  } catch {
    return undefined;
  }
}

/**
 * One entry per document, in order: its content, or why it cannot be used. Documents are
 * composed one at a time from the token stream, so only one document's syntax tree is alive.
 */
export function parseYAMLDocuments(text: string): DocumentContent[] {
  return [...yamlDocuments(text, 0)];
}

/** `firstLine`: how many lines of the source come before `text` (for the errors' places). */
function* yamlDocuments(text: string, firstLine: number): Generator<DocumentContent> {
  try {
    const composer = new Composer({ uniqueKeys: true, prettyErrors: false });
    for (const document of composer.compose(new Parser().parse(text))) {
      const [syntaxError] = document.errors;
      if (syntaxError !== undefined) {
        const at = positionOf(text, syntaxError.pos[0], firstLine);
        yield { error: `not valid YAML: ${firstLineOf(syntaxError.message)}`, ...at };
        continue;
      }
      try {
        yield { value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
      } catch (error) {
        yield { error: `cannot be decoded: ${firstLineOf((error as Error).message)}` };
      }
    }
  } catch (error) {
    yield { error: `cannot be parsed: ${firstLineOf((error as Error).message)}`, whole: true };
  }
}

function addDocument(content: { value: unknown }, source: string, document: number, result: ParsedObjects): void {
  const { value } = content;
  if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
  const fail = (reason: string): void => {
    result.errors.push({ source, document, reason, unreadable: false });
  };
  if (!isRecord(value)) {
    fail(`is not an object (got ${Array.isArray(value) ? 'a list' : typeof value})`);
    return;
  }
  expand(value, '', 0, fail, result.objects);
}

function expand(object: Record<string, unknown>, where: string, depth: number, fail: (reason: string) => void, out: RawObject[]): void {
  const kind = object.kind;
  if (typeof kind !== 'string' || kind === '') {
    fail(`${where}has no kind`);
    return;
  }
  if (!isList(object)) {
    out.push(object);
    return;
  }
  if (depth >= MAX_LIST_DEPTH) {
    fail(`${where}Lists nested more than ${MAX_LIST_DEPTH} deep`);
    return;
  }
  const items = object.items;
  if (items === null || items === undefined) return;
  if (!Array.isArray(items)) {
    fail(`${where}${kind}.items is not a list`);
    return;
  }
  // A typed list (ServiceList, as the API returns it) omits kind and apiVersion on its items.
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  items.forEach((item: unknown, index) => {
    const itemWhere = `${where}items[${index}]: `;
    if (!isRecord(item)) {
      fail(`${itemWhere}is not an object`);
      return;
    }
    const filled = itemKind !== undefined && item.kind === undefined ? { ...item, kind: itemKind, apiVersion: item.apiVersion ?? object.apiVersion } : item;
    expand(filled, itemWhere, depth + 1, fail, out);
  });
}

function isList(object: Record<string, unknown>): boolean {
  return typeof object.kind === 'string' && object.kind.endsWith('List') && 'items' in object;
}

function firstLineOf(message: string | undefined): string {
  return (message ?? 'unknown error').split('\n')[0] ?? '';
}
