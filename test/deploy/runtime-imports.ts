// The modules Node loads at run time from an entry file: relative imports followed through
// the tree, bare specifiers collected. Type-only imports (`import type`, `export type`) are
// erased by type stripping and load nothing.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm;
const SIDE_EFFECT_IMPORT = /^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export interface RuntimeImports {
  /** Repository-relative paths of every module reached. */
  readonly files: ReadonlySet<string>;
  /** Bare specifiers (`yaml`, `node:fs`, `@kubernetes/client-node`), with a file importing each. */
  readonly packages: ReadonlyMap<string, string>;
}

export function collectRuntimeImports(root: string, entry: string): RuntimeImports {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(join(root, file), 'utf8');
    for (const specifier of specifiersIn(text)) {
      if (specifier.startsWith('.')) pending.push(relative(root, join(root, dirname(file), specifier)));
      else if (!packages.has(specifier)) packages.set(specifier, file);
    }
  }
  return { files, packages };
}

function specifiersIn(text: string): string[] {
  return [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT].flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] ?? ''));
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
}
