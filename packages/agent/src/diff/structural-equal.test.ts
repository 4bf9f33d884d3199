import { describe, expect, it } from 'vitest';
import { isStructurallyEqual } from './structural-equal.ts';

describe('isStructurallyEqual', () => {
  it.each<[unknown, unknown, boolean]>([
    [1, 1, true],
    ['a', 'a', true],
    [undefined, undefined, true],
    [null, null, true],
    [1, '1', false],
    [null, undefined, false],
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [{ a: undefined }, { b: undefined }, false],
    [[1, 2], [2, 1], false],
    [[1], { 0: 1, length: 1 }, false],
    [{ a: { b: { c: ['x'] } } }, { a: { b: { c: ['y'] } } }, false],
    [[], [], true],
    [{}, [], false],
  ])('%j vs %j → %j', (a, b, expected) => {
    expect(isStructurallyEqual(a, b)).toBe(expected);
    expect(isStructurallyEqual(b, a)).toBe(expected);
  });
});
