// The glossary and the contributing guide point readers at files: every repository path they
// name in backticks must exist, so a rename that leaves them behind fails here. In the
// glossary `agent/` stands for packages/agent/src/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const ROOTS = ['agent/', 'packages/', 'test/', 'bench/', 'scripts/', 'docs/', 'deploy/'];

/** Repository paths among the words of the document's `code` spans; patterns and placeholders skipped. */
function namedPaths(markdown: string): string[] {
  const words = [...markdown.matchAll(/`([^`\n]+)`/g)].flatMap((match) => (match[1] ?? '').split(/\s+/));
  const paths = words.map((word) => word.replace(/[),.:;]+$/, '')).filter((word) => ROOTS.some((root) => word.startsWith(root)) && !/[<>*…{}]/.test(word));
  return [...new Set(paths)].map((path) => (path.startsWith('agent/') ? `packages/agent/src/${path.slice('agent/'.length)}` : path));
}

describe.each(['docs/GLOSSARY.md', 'CONTRIBUTING.md'])('%s', (document) => {
  it('names only files and folders that exist', () => {
    const paths = namedPaths(readFileSync(join(ROOT, document), 'utf8'));
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});

it('finds paths in code spans and expands agent/', () => {
  expect(namedPaths('see `agent/model/types.ts`, `npx vitest run test/golden` and `test/golden/<name>/`')).toEqual([
    'packages/agent/src/model/types.ts',
    'test/golden',
  ]);
});
