import { describe, expect, it } from 'vitest';
import { isIntegerInRange, isProtocol, isValidPortNumber } from './port.ts';

describe('isValidPortNumber', () => {
  it.each([1, 80, 65535])('accepts %j', (value) => expect(isValidPortNumber(value)).toBe(true));
  it.each([0, -1, 65536, 80.5, '80', NaN, Infinity, null, undefined, true, [80]])('rejects %j', (value) => {
    expect(isValidPortNumber(value)).toBe(false);
  });
});

describe('isIntegerInRange (session affinity timeouts: 1..86400)', () => {
  it.each([
    [1, true],
    [10800, true],
    [86400, true],
    [0, false],
    [86401, false],
    [1.5, false],
    ['10', false],
  ])('%j → %j', (value, expected) => expect(isIntegerInRange(value, 1, 86400)).toBe(expected));
});

describe('isProtocol', () => {
  it.each(['TCP', 'UDP', 'SCTP'])('accepts %j', (value) => expect(isProtocol(value)).toBe(true));
  it.each(['tcp', 'ICMP', '', 'TCP ', 'TCP\n-j ACCEPT', 6])('rejects %j', (value) => expect(isProtocol(value)).toBe(false));
});
