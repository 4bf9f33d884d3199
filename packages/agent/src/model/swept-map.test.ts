import { describe, expect, it } from 'vitest';
import { createSweptMap } from './swept-map.ts';

describe('createSweptMap', () => {
  it('keeps one entry for an object updated build after build', () => {
    const memo = createSweptMap<string, number>();
    for (let version = 0; version < 1000; version++) {
      const key = `uid-1 ${version}`;
      if (memo.get(key) === undefined) memo.set(key, version);
      memo.sweep();
    }
    expect(memo.size).toBe(1);
    expect(memo.get('uid-1 999')).toBe(999);
  });

  it('keeps what the build read or wrote and drops the rest', () => {
    const memo = createSweptMap<string, string>();
    memo.set('a', 'A');
    memo.set('b', 'B');
    memo.set('c', 'C');
    memo.sweep();
    expect(memo.get('a')).toBe('A');
    memo.set('d', 'D');
    memo.sweep();
    expect(memo.size).toBe(2);
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('c')).toBeUndefined();
    expect([memo.get('a'), memo.get('d')]).toEqual(['A', 'D']);
  });
});
