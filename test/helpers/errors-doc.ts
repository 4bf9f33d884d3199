// docs/ERRORS.md is generated from the error catalogue (packages/agent/src/errors.ts) and the
// exit-status table, with the production modules that raise each code found by reading them,
// so the reference cannot drift from the code: `npm run docs:errors` rewrites it, a test compares.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, type ErrorCode } from '@kpx/agent/errors.ts';
import { EXIT, EXIT_MEANINGS } from '@kpx/agent/exit-codes.ts';

const ROOT = join(import.meta.dirname, '../..');

function productionModules(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packages'], { cwd: ROOT, encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((file) => /^packages\/[^/]+\/src\/.+\.ts$/.test(file) && !file.endsWith('.test.ts'))
    .sort();
}

/** Modules that construct a KpxError with each code (the catalogue file itself excluded). */
function raisersByCode(): Map<ErrorCode, string[]> {
  const raisers = new Map<ErrorCode, string[]>(Object.keys(ERROR_CODES).map((code) => [code as ErrorCode, []]));
  for (const file of productionModules()) {
    if (file.endsWith('/errors.ts')) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const code of raisers.keys()) if (new RegExp(`['"]${code}['"]`).test(text)) raisers.get(code)?.push(file);
  }
  return raisers;
}

export function renderErrorsDoc(): string {
  const lines = [
    '# kpx errors and exit statuses',
    '',
    'Generated from `packages/agent/src/errors.ts` and `packages/agent/src/exit-codes.ts` by `npm run docs:errors`; do not edit by hand.',
    '',
    'Bad input is not an error: an invalid object is a problem report (kind, namespace/name, field, value, reason) and is skipped.',
    'Operational failures are `KpxError`s with a stable code, logged with the code, its cause and context fields;',
    'the daemon retries a failed sync with backoff and makes the next one full.',
    '',
    '## Error codes',
    '',
    '| code | meaning | raised in |',
    '|---|---|---|',
  ];
  for (const [code, raisers] of raisersByCode()) {
    lines.push(`| \`${code}\` | ${ERROR_CODES[code]} | ${raisers.map((file) => `\`${file}\``).join(', ') || '—'} |`);
  }
  lines.push(
    '',
    '## Exit statuses',
    '',
    'Every command (`kpx render`, `run`, `explain`, `lab`, `apiserver`) and the daemon use these.',
    '',
    '| status | meaning |',
    '|---|---|',
  );
  for (const status of Object.values(EXIT)) lines.push(`| ${status} | ${EXIT_MEANINGS[status]} |`);
  return `${lines.join('\n')}\n`;
}
