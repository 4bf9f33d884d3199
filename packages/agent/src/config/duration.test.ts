import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './duration.ts';

describe('parseGoDuration', () => {
  it.each([
    ['30s', 30_000],
    ['1m0s', 60_000],
    ['100ms', 100],
    ['2h22m', 2 * 3_600_000 + 22 * 60_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['-2s', -2000],
    ['+3s', 3000],
    ['0', 0],
    ['0s', 0],
    ['24h0m0s', 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '30', '1x', 's', '1m 0s', '1.s.', 'abc', '-', '1d', '10 s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [100, '100ms'],
    [1000, '1s'],
    [30_000, '30s'],
    [60_000, '1m0s'],
    [90_500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
    [86_400_000, '24h0m0s'],
    [-1000, '-1s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
    expect(parseGoDuration(text)).toBe(ms);
  });
});
