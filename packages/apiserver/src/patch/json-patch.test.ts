import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from './json-patch.ts';
import type { JsonValue } from './json-value.ts';
import { applyMergePatch } from './merge-patch.ts';

const doc = { a: { b: 1, 'x/y': 2 }, list: [1, 2, 3] };

describe('applyJsonPatch (RFC 6902)', () => {
  it.each([
    [[{ op: 'add', path: '/a/c', value: 3 }], { a: { b: 1, 'x/y': 2, c: 3 }, list: [1, 2, 3] }],
    [[{ op: 'add', path: '/list/1', value: 9 }], { a: { b: 1, 'x/y': 2 }, list: [1, 9, 2, 3] }],
    [[{ op: 'add', path: '/list/-', value: 4 }], { a: { b: 1, 'x/y': 2 }, list: [1, 2, 3, 4] }],
    [[{ op: 'remove', path: '/a/x~1y' }], { a: { b: 1 }, list: [1, 2, 3] }],
    [[{ op: 'replace', path: '/list/0', value: 0 }], { a: { b: 1, 'x/y': 2 }, list: [0, 2, 3] }],
    [[{ op: 'move', from: '/a/b', path: '/b' }], { a: { 'x/y': 2 }, list: [1, 2, 3], b: 1 }],
    [[{ op: 'copy', from: '/list', path: '/copy' }], { a: { b: 1, 'x/y': 2 }, list: [1, 2, 3], copy: [1, 2, 3] }],
    [
      [
        { op: 'test', path: '/a/b', value: 1 },
        { op: 'remove', path: '/list' },
      ],
      { a: { b: 1, 'x/y': 2 } },
    ],
    [[{ op: 'replace', path: '', value: { z: 1 } }], { z: 1 }],
  ])('%j', (operations, expected) => {
    expect(applyJsonPatch(doc, operations as JsonValue)).toEqual(expected);
  });

  it.each([
    [[{ op: 'test', path: '/a/b', value: 2 }], /test failed/],
    [[{ op: 'remove', path: '/nope' }], /nonexistent/],
    [[{ op: 'replace', path: '/nope/x', value: 1 }], /missing path/],
    [[{ op: 'add', path: '/list/7', value: 1 }], /out of bounds/],
    [[{ op: 'frobnicate', path: '/a' }], /Unexpected kind/],
    [{ op: 'add' }, /array of operations/],
  ])('rejects %j', (operations, message) => {
    expect(() => applyJsonPatch(doc, operations as never)).toThrow(message);
  });

  it('does not modify the target', () => {
    applyJsonPatch(doc, [{ op: 'remove', path: '/a' }]);
    expect(doc.a.b).toBe(1);
  });
});

describe('applyMergePatch (RFC 7386)', () => {
  it.each([
    [{ a: { b: 2 } }, { a: { b: 2, 'x/y': 2 }, list: [1, 2, 3] }],
    [{ a: null }, { list: [1, 2, 3] }],
    [{ list: [4] }, { a: { b: 1, 'x/y': 2 }, list: [4] }],
    [{ a: { b: null, c: { d: 1 } } }, { a: { 'x/y': 2, c: { d: 1 } }, list: [1, 2, 3] }],
  ])('%j', (patch, expected) => {
    expect(applyMergePatch(doc, patch)).toEqual(expected);
  });
});
