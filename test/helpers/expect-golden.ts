// Byte-exact comparison with a reviewed golden file. A missing golden fails; goldens
// are (re)written only when KPX_UPDATE_GOLDEN=1 (`npm run golden:update`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expect } from 'vitest';

export function expectGolden(path: string, actual: string): void {
  if (process.env['KPX_UPDATE_GOLDEN'] === '1') {
    writeFileSync(path, actual);
    return;
  }
  const shown = relative(process.cwd(), path);
  if (!existsSync(path)) {
    expect.fail(`golden file ${shown} is missing: review the output and create it with \`npm run golden:update\``);
  }
  const expected = readFileSync(path, 'utf8');
  // toEqual on strings prints a line diff on mismatch.
  expect(actual, `output differs from golden file ${shown}`).toEqual(expected);
}
