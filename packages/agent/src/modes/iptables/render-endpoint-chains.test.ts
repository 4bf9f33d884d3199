import { describe, expect, it } from 'vitest';
import { probability } from './render-endpoint-chains.ts';

describe('probability', () => {
  it.each([
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [6, '0.1666666667'],
    [7, '0.1428571429'],
    [1000, '0.0010000000'],
    // The one exact tie at ten decimals: Go rounds half to even, toFixed would round up.
    [2048, '0.0004882812'],
    [4096, '0.0002441406'],
  ])('1/%i is %s, as Go’s %%0.10f prints it', (n, text) => {
    expect(probability(n)).toBe(text);
  });
});
