import { describe, expect, it } from 'vitest';
import { parseYAMLDocuments } from './parse-objects.ts';
import { canSplitYAMLDocuments, countYAMLDocuments, splitYAMLDocuments } from './split-yaml-documents.ts';

const STREAMS: [string, string][] = [
  ['one bare document', 'kind: A\nx: 1\n'],
  ['two documents', 'kind: A\n---\nkind: B\n'],
  ['a leading marker', '---\nkind: A\n---\nkind: B\n'],
  ['comments before the first marker', '# header\n\n  # more\n---\nkind: A\n'],
  ['a byte order mark', '\ufeff---\nkind: A\n'],
  ['empty documents and a trailing marker', '---\n---\nkind: A\n---\n'],
  ['CRLF line ends', 'kind: A\r\n---\r\nkind: B\r\n'],
  ['a marker with content', 'kind: A\n--- {kind: B}\n--- |\n  text\n'],
  ['dashes that are no marker', 'kind: A\nx: ---\ny: "a\n  ---b"\n----\n'],
  ['a block scalar holding dashes', 'kind: A\nx: |\n  ---\n  text\n---\nkind: B\n'],
  ['a marker at the very end', 'kind: A\n---'],
  ['nothing', ''],
  ['only comments', '# nothing here\n'],
];

describe('splitYAMLDocuments', () => {
  it.each(STREAMS)('%s: the documents decode as the whole stream does', (_, text) => {
    expect(canSplitYAMLDocuments(text)).toBe(true);
    const pieces = [...splitYAMLDocuments(text)];
    expect(pieces.join('')).toBe(text.slice(text.length - pieces.join('').length));
    expect(pieces.flatMap((piece) => parseYAMLDocuments(piece))).toStrictEqual(parseYAMLDocuments(text));
    expect(countYAMLDocuments(text)).toBe(pieces.length);
  });

  it.each([
    ['a directive', '%YAML 1.2\n---\nkind: A\n'],
    ['a document end marker', 'kind: A\n...\nkind: B\n'],
    ['a directive after a byte order mark', '\ufeff%YAML 1.2\n---\nkind: A\n'],
  ])('does not cut a stream with %s', (_, text) => {
    expect(canSplitYAMLDocuments(text)).toBe(false);
  });

  it('counts a million empty documents without making their strings', () => {
    expect(countYAMLDocuments('---\n'.repeat(1_000_000))).toBe(1_000_000);
  });
});
