import { describe, expect, it } from 'vitest';
import { createWatchDecoder, decodeLine } from './watch-decoder.ts';

const added = { type: 'ADDED', object: { kind: 'Service', metadata: { name: 'a', resourceVersion: '5' } } };

describe('createWatchDecoder', () => {
  it('decodes events split at arbitrary byte boundaries, including inside a UTF-8 character', () => {
    const withUnicode = { type: 'MODIFIED', object: { metadata: { name: 'é', annotations: { note: 'ünïcødé ✓' } } } };
    const bytes = Buffer.from(`${JSON.stringify(added)}\n${JSON.stringify(withUnicode)}\n`);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const decoder = createWatchDecoder();
      const events = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut)), ...decoder.end()];
      expect(events).toEqual([added, withUnicode]);
    }
  });

  it('reports garbage as a failure in stream order without losing the events around it', () => {
    const decoder = createWatchDecoder();
    const events = decoder.push(Buffer.from(`${JSON.stringify(added)}\n{not json\n\n${JSON.stringify(added)}\n`));
    expect(events.map((event) => event.type)).toEqual(['ADDED', 'DECODE_FAILURE', 'ADDED']);
    expect(events[1]).toEqual({ type: 'DECODE_FAILURE', reason: 'not JSON', excerpt: '{not json' });
  });

  it('reports a partial line left at the end of the stream', () => {
    const decoder = createWatchDecoder();
    expect(decoder.push(Buffer.from('{"type":"ADD'))).toEqual([]);
    expect(decoder.end()).toEqual([{ type: 'DECODE_FAILURE', reason: 'stream ended inside a line', excerpt: '{"type":"ADD' }]);
  });

  it('gives up on a line longer than the limit', () => {
    const decoder = createWatchDecoder(10);
    const events = decoder.push(Buffer.from('x'.repeat(11)));
    expect(events.map((event) => event.type)).toEqual(['DECODE_FAILURE']);
    expect(decoder.end()).toEqual([]);
  });
});

describe('decodeLine', () => {
  it.each([
    ['[]', 'not a JSON object'],
    ['{"type":"SURPRISE","object":{}}', 'unknown event type'],
    ['{"type":"ADDED"}', 'event without an object'],
    ['{"type":"ADDED","object":[1]}', 'event without an object'],
  ])('%s → %s', (line, reason) => {
    expect(decodeLine(line)).toMatchObject({ type: 'DECODE_FAILURE', reason });
  });

  it('passes bookmarks and error statuses through', () => {
    expect(decodeLine('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}')).toEqual({
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: '9' } },
    });
    expect(decodeLine('{"type":"ERROR","object":{"kind":"Status","code":410}}')).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', code: 410 },
    });
  });
});
