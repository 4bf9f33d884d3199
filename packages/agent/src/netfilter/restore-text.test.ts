import { describe, expect, it } from 'vitest';
import { chainLine, joinTables, LineBuffer } from './restore-text.ts';

describe('LineBuffer and joinTables', () => {
  it('joins buffers into tables, each ending in COMMIT', () => {
    const declarations = new LineBuffer();
    declarations.writeLine(chainLine('KUBE-SERVICES'));
    const rules = new LineBuffer();
    rules.writeLine('-A KUBE-SERVICES -j RETURN');
    rules.writeLine('-A KUBE-SERVICES -j ACCEPT');
    const both = new LineBuffer();
    both.append(declarations);
    both.append(rules);
    expect(both.lineCount).toBe(3);
    expect(
      joinTables([
        { table: 'nat', buffers: [both] },
        { table: 'filter', buffers: [] },
      ]),
    ).toBe('*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\n-A KUBE-SERVICES -j ACCEPT\nCOMMIT\n*filter\nCOMMIT\n');
  });
});

describe('LineBuffer chunks', () => {
  it('keeps every line across chunk boundaries', () => {
    const buffer = new LineBuffer();
    const count = LineBuffer.CHUNK_LINES * 2 + 3;
    for (let i = 0; i < count; i++) buffer.writeLine(`l${i}`);
    const lines = buffer.text().split('\n');
    expect(buffer.lineCount).toBe(count);
    expect(lines).toHaveLength(count + 1);
    expect(lines[LineBuffer.CHUNK_LINES]).toBe(`l${LineBuffer.CHUNK_LINES}`);
    expect(lines.at(-2)).toBe(`l${count - 1}`);
  });
});

describe('LineBuffer.append and joinTables over chunks', () => {
  it('appends what the other buffer holds at that moment, across chunk boundaries', () => {
    const other = new LineBuffer();
    const count = LineBuffer.CHUNK_LINES + 2;
    for (let i = 0; i < count; i++) other.writeLine(`o${i}`);
    const buffer = new LineBuffer();
    buffer.writeLine('first');
    buffer.append(other);
    other.writeLine('written to other after the append');
    buffer.writeLine('last');
    const lines = buffer.text().split('\n');
    expect(buffer.lineCount).toBe(count + 2);
    expect(lines).toEqual(['first', ...Array.from({ length: count }, (_, i) => `o${i}`), 'last', '']);
    expect(joinTables([{ table: 'nat', buffers: [buffer] }])).toBe(`*nat\n${buffer.text()}COMMIT\n`);
  });
});
