// Pure: YAML/JSON text → Kubernetes objects. Multi-document streams, and Lists expanded as
// `kubectl get -o yaml` prints them (`kind: List`, or `ServiceList` & co. whose items carry no
// kind). Garbage never throws: each bad document becomes an error naming its source and index.
//
// Three decoders, fastest first: JSON.parse for JSON; js-yaml for plain YAML (a 20 MB kubectl
// dump of 10k services in about 1 s of CPU, where the `yaml` package takes about 10 s); and the
// `yaml` package for everything else. js-yaml is used only where it cannot differ from `yaml`
// (YAML 1.2 core schema, no merge keys) and is refused anything that needs a safety limit
// (see decodePlainYAML); whatever it rejects goes to `yaml`, which reports each bad document.
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { Composer, Parser } from 'yaml';
import type { RawObject } from '../model/inputs.ts';

export interface LoadError {
  /** File path, or `stdin`. */
  readonly source: string;
  /** 1-based document number within the source; undefined for the whole source. */
  readonly document: number | undefined;
  readonly reason: string;
  /** The source could not be read at all (a runtime failure, not bad input). */
  readonly unreadable: boolean;
}

export interface ParsedObjects {
  readonly objects: RawObject[];
  readonly errors: LoadError[];
}

/** Aliases per document: far above what real manifests use, far below a "billion laughs". */
export const MAX_ALIAS_COUNT = 100;
const MAX_LIST_DEPTH = 4;

export function parseObjectsText(text: string, source: string): ParsedObjects {
  const result: ParsedObjects = { objects: [], errors: [] };
  const json = tryJSON(text);
  const documents = json === undefined ? (decodePlainYAML(text) ?? parseYAMLDocuments(text)) : [json];
  documents.forEach((content, index) => {
    if ('error' in content) result.errors.push({ source, document: content.whole ? undefined : index + 1, reason: content.error, unreadable: false });
    else addDocument(content, source, index + 1, result);
  });
  return result;
}

export function formatLoadError(error: LoadError): string {
  return error.document === undefined ? `${error.source}: ${error.reason}` : `${error.source}: document ${error.document}: ${error.reason}`;
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

type DocumentContent = { value: unknown } | { error: string; whole?: boolean };

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
  const contents: DocumentContent[] = [];
  try {
    const composer = new Composer({ uniqueKeys: true, prettyErrors: false });
    for (const document of composer.compose(new Parser().parse(text))) {
      if (document.errors.length > 0) {
        contents.push({ error: `not valid YAML: ${firstLine(document.errors[0]?.message)}` });
        continue;
      }
      try {
        contents.push({ value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown });
      } catch (error) {
        contents.push({ error: `cannot be decoded: ${firstLine((error as Error).message)}` });
      }
    }
  } catch (error) {
    contents.push({ error: `cannot be parsed: ${firstLine((error as Error).message)}`, whole: true });
  }
  return contents;
}

function addDocument(content: { value: unknown }, source: string, document: number, result: ParsedObjects): void {
  const { value } = content;
  if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
  const fail = (reason: string): void => {
    result.errors.push({ source, document, reason, unreadable: false });
  };
  if (!isObject(value)) {
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
    if (!isObject(item)) {
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(message: string | undefined): string {
  return (message ?? 'unknown error').split('\n')[0] ?? '';
}
