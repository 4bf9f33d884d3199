// ESLint's import-x/no-cycle skips type-only imports, yet a type declared in the file that
// orchestrates its importers is a cycle all the same: the shared type belongs next to what it
// describes. This walks every production module of every workspace package, type imports
// included, and fails on any strongly connected component larger than one file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SPECIFIER = /(?:^\s*(?:import|export)\b[^'";]*?\bfrom\s+|^\s*import\s+|\bimport\(\s*)['"]([^'"]+)['"]/gm;

function productionModules(): string[] {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packages'], { cwd: ROOT, encoding: 'utf8' });
  return tracked.split('\n').filter((file) => /^packages\/[^/]+\/src\/.+\.ts$/.test(file) && !file.endsWith('.test.ts'));
}

function resolveSpecifier(importer: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return normalize(join(dirname(importer), specifier));
  const workspace = /^@kpx\/([^/]+)\/(.+)$/.exec(specifier);
  return workspace === null ? undefined : `packages/${workspace[1]}/src/${workspace[2]}`;
}

function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const targets = [...text.matchAll(SPECIFIER)]
        .map((match) => resolveSpecifier(file, match[1] ?? ''))
        .filter((target) => target !== undefined && known.has(target));
      return [file, targets as string[]];
    }),
  );
}

/** Tarjan's strongly connected components, the cycles among them (size > 1 or a self-loop). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

it('finds a cycle through a type import, and none in a chain', () => {
  expect(
    findCycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ),
  ).toEqual([['a', 'b', 'c']]);
  expect(
    findCycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
  ).toEqual([]);
});

it('no workspace module imports itself back, type imports included', () => {
  const files = productionModules();
  expect(files.length).toBeGreaterThan(200);
  expect(findCycles(importGraph(files))).toEqual([]);
});
