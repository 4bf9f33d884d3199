import { describe, expect, it } from 'vitest';
import { isDNS1123Label, isDNS1123Subdomain, isIANASvcName } from './name.ts';

describe('isDNS1123Label', () => {
  it.each(['a', 'web', 'my-svc-1', '0abc', 'a'.repeat(63)])('accepts %j', (value) => expect(isDNS1123Label(value)).toBe(true));
  it.each(['', 'Web', '-a', 'a-', 'a.b', 'a_b', 'a b', 'a\nb', 'http\n-j ACCEPT', 'a'.repeat(64), 'ä'])('rejects %j', (value) => {
    expect(isDNS1123Label(value)).toBe(false);
  });
});

describe('isDNS1123Subdomain', () => {
  it.each(['a', 'node-1', 'node-1.example.com', `${'a'.repeat(63)}.${'b'.repeat(63)}`])('accepts %j', (value) => {
    expect(isDNS1123Subdomain(value)).toBe(true);
  });
  it.each(['', 'Node', '.a', 'a.', 'a..b', 'a_b', 'a b', 'a\tb', 'a'.repeat(254)])('rejects %j', (value) => {
    expect(isDNS1123Subdomain(value)).toBe(false);
  });
});

describe('isIANASvcName (named targetPorts)', () => {
  it.each(['http', 'h2c', 'dns-tcp', 'a', 'a1', 'x'.repeat(15)])('accepts %j', (value) => expect(isIANASvcName(value)).toBe(true));
  it.each(['', '80', '-http', 'http-', 'dns--tcp', 'HTTP', 'x'.repeat(16), 'ht tp', 'http\n', 'h_t'])('rejects %j', (value) => {
    expect(isIANASvcName(value)).toBe(false);
  });
});
