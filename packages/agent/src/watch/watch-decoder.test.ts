import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createWatchDecoder, decodeLine, MAX_LINE_BYTES } from './watch-decoder.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes held in Buffers (outside the JS heap) once garbage is collected. */
function bufferBytes(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

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
    expect(events[1]).toEqual({ type: 'DECODE_FAILURE', reason: 'not-json', excerpt: '{not json' });
  });

  it('reports a partial line left at the end of the stream', () => {
    const decoder = createWatchDecoder();
    expect(decoder.push(Buffer.from('{"type":"ADD'))).toEqual([]);
    expect(decoder.end()).toEqual([{ type: 'DECODE_FAILURE', reason: 'truncated', excerpt: '{"type":"ADD' }]);
  });

  it('gives up on a line longer than the limit once, skips the rest of it, and decodes the next line', () => {
    const decoder = createWatchDecoder(40);
    expect(decoder.push(Buffer.from('x'.repeat(30)))).toEqual([]);
    expect(decoder.push(Buffer.from('y'.repeat(30)))).toEqual([
      { type: 'DECODE_FAILURE', reason: 'line-too-long', excerpt: `${'x'.repeat(30)}${'y'.repeat(30)}` },
    ]);
    expect(decoder.push(Buffer.from('z'.repeat(100)))).toEqual([]);
    expect(decoder.push(Buffer.from(`zz\n${JSON.stringify({ type: 'DELETED', object: {} })}\n`))).toEqual([{ type: 'DELETED', object: {} }]);
    expect(decoder.end()).toEqual([]);
  });

  it('takes a line of exactly the limit and one split over many chunks', () => {
    const line = JSON.stringify({ type: 'ADDED', object: { data: 'd'.repeat(300_000) } });
    const decoder = createWatchDecoder(line.length);
    const bytes = Buffer.from(`${line}\n`);
    const events = [];
    for (let at = 0; at < bytes.length; at += 1000) events.push(...decoder.push(bytes.subarray(at, at + 1000)));
    expect(events).toEqual([JSON.parse(line)]);
  });

  it('works linearly through a 40 MB line and holds no more of it than the limit', () => {
    const chunkBytes = 64 * 1024;
    const chunks = (40 * 1024 * 1024) / chunkBytes;
    const decoder = createWatchDecoder();
    const quarterMs: number[] = [];
    const failures = [];
    const buffersBefore = bufferBytes();
    let buffersMidway = 0;
    const started = performance.now();
    for (let quarter = 0; quarter < 4; quarter += 1) {
      const quarterStarted = performance.now();
      for (let i = 0; i < chunks / 4; i += 1) failures.push(...decoder.push(Buffer.alloc(chunkBytes, 'x')));
      quarterMs.push(performance.now() - quarterStarted);
      if (quarter === 2) buffersMidway = bufferBytes();
    }
    const totalMs = performance.now() - started;
    expect(failures.map((failure) => failure.type === 'DECODE_FAILURE' && failure.reason)).toEqual(['line-too-long']);
    // Quadratic work would make each quarter several times slower than the one before.
    expect(Math.max(...quarterMs.slice(1))).toBeLessThan(3 * (quarterMs[0] ?? 0) + 50);
    expect(totalMs).toBeLessThan(5_000);
    // 30 MB in, past the limit: nothing of the line is held.
    expect(buffersMidway - buffersBefore).toBeLessThan(MAX_LINE_BYTES / 4);
    expect(decoder.push(Buffer.from(`\n${JSON.stringify(added)}\n`))).toEqual([added]);
  });
});

describe('decodeLine', () => {
  it.each([
    ['[]', 'not-an-object'],
    ['{"type":"SURPRISE","object":{}}', 'unknown-event-type'],
    ['{"type":"ADDED"}', 'no-object'],
    ['{"type":"ADDED","object":[1]}', 'no-object'],
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
