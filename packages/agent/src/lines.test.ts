import { expect, it } from 'vitest';
import { lineSplitter } from './lines.ts';

it('gives whole lines across pieces, keeps empty lines, and holds back an unfinished one', () => {
  const lines: string[] = [];
  const feed = lineSplitter((line) => lines.push(line));
  feed('a');
  feed('b\n\nc');
  expect(lines).toEqual(['ab', '']);
  feed('\n');
  expect(lines).toEqual(['ab', '', 'c']);
});
