import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideDrained, drainKey } from './graceful-termination.ts';
import { parseConnectionCounts } from './ipvsadm-text.ts';

const listing = readFileSync(join(import.meta.dirname, 'testdata', 'ipvsadm-list-service.txt'), 'utf8');
const SERVICE = '-t 10.96.0.10:9153';
const TIMEOUT_MS = 15 * 60_000;

describe('connection counts from ipvsadm -Ln', () => {
  it('adds active and inactive connections per real server', () => {
    expect(parseConnectionCounts(listing)).toEqual(
      new Map([
        [
          SERVICE,
          new Map([
            ['10.244.0.2:9153', 4],
            ['10.244.0.3:9153', 2],
          ]),
        ],
      ]),
    );
  });
});

describe('decideDrained', () => {
  const counts = parseConnectionCounts(listing);
  it.each([
    ['connections left, within the timeout: stays', '10.244.0.3:9153', 0, 60_000, [], []],
    ['connections left, past the timeout: goes (timed out)', '10.244.0.3:9153', 0, TIMEOUT_MS, ['10.244.0.3:9153'], ['10.244.0.3:9153']],
    ['no longer listed (gone already): forgotten', '10.244.0.9:9153', 0, 1, ['10.244.0.9:9153'], []],
  ])('%s', (_name, real, since, now, done, timedOut) => {
    const draining = new Map([[drainKey(SERVICE, real), since]]);
    const decision = decideDrained(draining, counts, now, TIMEOUT_MS);
    expect(decision.done).toEqual(done.map((key) => drainKey(SERVICE, key)));
    expect(decision.timedOut).toEqual(timedOut.map((key) => drainKey(SERVICE, key)));
  });

  it('lets a real server with no connections go at once', () => {
    const idle = new Map([[SERVICE, new Map([['10.244.0.3:9153', 0]])]]);
    expect(decideDrained(new Map([[drainKey(SERVICE, '10.244.0.3:9153'), 5]]), idle, 6, TIMEOUT_MS).done).toEqual([drainKey(SERVICE, '10.244.0.3:9153')]);
  });
});
