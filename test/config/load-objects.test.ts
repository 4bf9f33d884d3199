// loadObjects against real files, directories and a stdin stream.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadObjects } from '@kpx/agent/config/load-objects.ts';
import { formatLoadError } from '@kpx/agent/config/parse-objects.ts';

let dir = '';
const service = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: default}\n`;
const names = (objects: readonly Record<string, unknown>[]): unknown[] => objects.map((object) => (object.metadata as { name: string }).name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpx-load-objects-'));
  await mkdir(join(dir, 'manifests', 'nested'), { recursive: true });
  await writeFile(join(dir, 'manifests', 'b.yaml'), service('b'));
  await writeFile(join(dir, 'manifests', 'a.yml'), `${service('a1')}---\n${service('a2')}`);
  await writeFile(join(dir, 'manifests', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } }));
  await writeFile(join(dir, 'manifests', 'README.md'), '# not a manifest\n');
  await writeFile(join(dir, 'manifests', 'nested', 'd.yaml'), service('d'));
  await writeFile(join(dir, 'one.yaml'), service('one'));
  await writeFile(join(dir, 'garbage.yaml'), `${service('good')}---\n\u0000\u0001: [\n---\n42\n`);
  await writeFile(join(dir, 'locked.yaml'), service('locked'));
  await chmod(join(dir, 'locked.yaml'), 0o000);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadObjects', () => {
  it('reads a directory: every .yaml/.yml/.json in name order, not recursive', async () => {
    const { objects, errors } = await loadObjects([join(dir, 'manifests')]);
    expect(errors).toEqual([]);
    expect(names(objects)).toEqual(['a1', 'a2', 'b', 'c']);
  });

  it('reads subdirectories too with recursive, as kubectl -R', async () => {
    const { objects, errors } = await loadObjects([join(dir, 'manifests')], undefined, { recursive: true });
    expect(errors).toEqual([]);
    expect(names(objects)).toEqual(['a1', 'a2', 'b', 'c', 'd']);
  });

  it('reads several sources in the order given, stdin as -', async () => {
    const stdin = new PassThrough();
    stdin.end(service('from-stdin'));
    const { objects, errors } = await loadObjects([join(dir, 'one.yaml'), '-', join(dir, 'manifests', 'b.yaml')], stdin);
    expect(errors).toEqual([]);
    expect(names(objects)).toEqual(['one', 'from-stdin', 'b']);
  });

  it('reads stdin only once', async () => {
    const stdin = new PassThrough();
    stdin.end(service('s'));
    const { objects, errors } = await loadObjects(['-', '-'], stdin);
    expect(names(objects)).toEqual(['s']);
    expect(errors.map(formatLoadError)).toEqual(["stdin: '-' given more than once: stdin can be read only once"]);
  });

  it('keeps the good documents of a file with garbage and names the bad ones', async () => {
    const path = join(dir, 'garbage.yaml');
    const { objects, errors } = await loadObjects([path]);
    expect(names(objects)).toEqual(['good']);
    expect(errors.map((error) => [error.document, error.unreadable])).toEqual([
      [2, false],
      [3, false],
    ]);
    expect(formatLoadError(errors[1]!)).toBe(`${path}: document 3: is not an object (got number)`);
  });

  it('reports a missing or unreadable file as unreadable, and goes on with the others', async () => {
    const missing = join(dir, 'missing.yaml');
    const sources = [missing, join(dir, 'one.yaml')];
    if (process.getuid?.() !== 0) sources.push(join(dir, 'locked.yaml'));
    const { objects, errors } = await loadObjects(sources);
    expect(names(objects)).toEqual(['one']);
    expect(errors.every((error) => error.unreadable)).toBe(true);
    expect(errors.map(formatLoadError)[0]).toBe(`${missing}: no such file or directory`);
    if (process.getuid?.() !== 0) expect(errors.map(formatLoadError)[1]).toBe(`${join(dir, 'locked.yaml')}: permission denied`);
  });
});
