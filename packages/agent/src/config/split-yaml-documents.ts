// Pure: a YAML stream cut into its documents' texts without parsing it, so each document is
// decoded (and its parse state dropped) before the next one is read.
//
// YAML forbids a line starting with `---` followed by a space, a tab or a line break inside any
// scalar (c-forbidden), so such a line always starts a document: cutting there is exact. Two
// rarer things could tie one document's meaning to another's text, a directive (`%YAML`, which
// applies to the next document) and a document end marker (`...`, after which a document may
// start without `---`); a stream holding either is not cut (`undefined`), and is decoded whole.

/** A line that may be a directive or a document end marker. Over-matching only costs speed. */
const DIRECTIVE_OR_DOCUMENT_END = /^(?:\ufeff?%|\.\.\.(?:[ \t\r\n]|$))/m;
/** Blank lines and comments only (the text before the first `---` is then no document); stops at the first other line. */
function isBlankOrComments(text: string): boolean {
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).trim(); // trim() also removes a byte order mark
    if (line !== '' && !line.startsWith('#')) return false;
    start = end + 1;
  }
  return true;
}

function isMarkerAt(text: string, start: number): boolean {
  if (!text.startsWith('---', start)) return false;
  const next = text[start + 3];
  return next === undefined || next === ' ' || next === '\t' || next === '\r' || next === '\n';
}

function nextMarker(text: string, from: number): number {
  let at = from;
  for (;;) {
    const found = text.indexOf('\n---', at);
    if (found === -1) return -1;
    if (isMarkerAt(text, found + 1)) return found + 1;
    at = found + 4;
  }
}

/** Where the first `---` line starts (after a byte order mark), or -1. */
function firstMarker(text: string): number {
  const bomLength = text.startsWith('\ufeff') ? 1 : 0;
  return isMarkerAt(text, bomLength) ? bomLength : nextMarker(text, 0);
}

/** Whether `splitYAMLDocuments` cuts this text (no directive, no `...` marker). */
export function canSplitYAMLDocuments(text: string): boolean {
  return !DIRECTIVE_OR_DOCUMENT_END.test(text);
}

/**
 * The text of each document, in order, each from its `---` line (included) to the next; the
 * text before the first `---` is a document unless it is blank or comments only. Call only when
 * canSplitYAMLDocuments(text). Strings are slices: nothing is copied.
 */
export function* splitYAMLDocuments(text: string): Generator<string> {
  let start = firstMarker(text);
  if (start === -1) start = text.length;
  const leading = text.slice(0, start);
  if (!isBlankOrComments(leading)) yield leading;
  while (start < text.length) {
    const end = nextMarker(text, start + 3);
    yield text.slice(start, end === -1 ? text.length : end);
    if (end === -1) return;
    start = end;
  }
}

/** How many documents splitYAMLDocuments yields, without making their strings. */
export function countYAMLDocuments(text: string): number {
  const start = firstMarker(text);
  let count = start === -1 ? 0 : 1;
  for (let at = nextMarker(text, start === -1 ? text.length : start + 3); at !== -1; at = nextMarker(text, at + 3)) count++;
  return count + (isBlankOrComments(text.slice(0, start === -1 ? text.length : start)) ? 0 : 1);
}
