import { describe, expect, it } from 'vitest';
import { formatGoTime, GO_ZERO_TIME } from './go-time.ts';

describe('formatGoTime', () => {
  it.each([
    [Date.UTC(2024, 0, 2, 3, 4, 5, 670), '2024-01-02T03:04:05.67Z'],
    [Date.UTC(2024, 0, 2, 3, 4, 5, 1), '2024-01-02T03:04:05.001Z'],
    [Date.UTC(2024, 0, 2, 3, 4, 5, 0), '2024-01-02T03:04:05Z'],
    [Date.UTC(2024, 0, 2, 3, 4, 5, 100) + 0.9, '2024-01-02T03:04:05.1Z'],
    [undefined, '0001-01-01T00:00:00Z'],
  ])('formats %s as %s', (ms, expected) => {
    expect(formatGoTime(ms)).toBe(expected);
  });

  it('has the zero time Go marshals', () => {
    expect(GO_ZERO_TIME).toBe('0001-01-01T00:00:00Z');
  });
});
