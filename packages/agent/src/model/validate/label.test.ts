import { describe, expect, it } from 'vitest';
import { isLabelValue } from './label.ts';

describe('isLabelValue', () => {
  it.each(['', 'zone-a', 'us-east-1a', 'A.b_c-9', 'x'.repeat(63)])('accepts %j', (value) => expect(isLabelValue(value)).toBe(true));
  it.each(['-a', 'a-', '_a', 'a b', 'a\nb', 'a/b', 'x'.repeat(64), 'zone"a'])('rejects %j', (value) => {
    expect(isLabelValue(value)).toBe(false);
  });
});
