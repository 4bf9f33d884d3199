import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '@kpx/agent/errors.ts';
import { expectGolden } from '../helpers/expect-golden.ts';
import { renderErrorsDoc } from '../helpers/errors-doc.ts';

it('docs/ERRORS.md is the current error catalogue and exit-status table (npm run docs:errors)', () => {
  expectGolden(join(import.meta.dirname, '..', '..', 'docs', 'ERRORS.md'), renderErrorsDoc());
});

it('every error code is raised somewhere: a code nothing raises is dead', () => {
  const doc = renderErrorsDoc();
  for (const code of Object.keys(ERROR_CODES)) expect(doc, code).not.toMatch(new RegExp(`\\| \`${code}\` \\|[^|]*\\| — \\|`));
});
