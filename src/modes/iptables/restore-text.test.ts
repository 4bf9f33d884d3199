import { describe, expect, it } from 'vitest';
import { chainLine, joinTables, LineBuffer } from './restore-text.ts';

describe('LineBuffer and joinTables', () => {
  it('joins buffers into tables, each ending in COMMIT, counting lines not pieces', () => {
    const declarations = new LineBuffer();
    declarations.writeLine(chainLine('KUBE-SERVICES'));
    const rules = new LineBuffer();
    rules.writePieces('-A ', 'KUBE-SERVICES', ' -j ', 'RETURN');
    rules.writeLine('-A KUBE-SERVICES -j ACCEPT');
    const both = new LineBuffer();
    both.append(declarations);
    both.append(rules);
    expect(both.lineCount).toBe(3);
    expect(joinTables([{ table: 'nat', buffers: [both] }, { table: 'filter', buffers: [] }])).toBe(
      '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\n-A KUBE-SERVICES -j ACCEPT\nCOMMIT\n*filter\nCOMMIT\n',
    );
  });
});
