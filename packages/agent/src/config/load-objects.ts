// Reads `kpx render -f` sources: files, directories (every .yaml/.yml/.json in it, sorted by
// path; subdirectories only when recursive, as kubectl -R) and `-` for stdin.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { RawObject } from '../model/inputs.ts';
import { parseObjectsText, type LoadError } from './parse-objects.ts';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Far above a 30k-service cluster dump; below what a Node string can hold. */
export const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

export interface LoadOptions {
  /** Read directories recursively (kubectl -R). */
  readonly recursive?: boolean;
}

export async function loadObjects(
  sources: readonly string[],
  stdin?: NodeJS.ReadableStream,
  options: LoadOptions = {},
): Promise<{ objects: RawObject[]; errors: LoadError[] }> {
  const objects: RawObject[] = [];
  const errors: LoadError[] = [];
  let stdinRead = false;
  const addText = (text: string, source: string): void => {
    const parsed = parseObjectsText(text, source);
    for (const object of parsed.objects) objects.push(object);
    errors.push(...parsed.errors);
  };
  const unreadable = (source: string, reason: string): void => {
    errors.push({ source, document: undefined, reason, unreadable: true });
  };

  for (const source of sources) {
    if (source === '-') {
      if (stdinRead || stdin === undefined) {
        unreadable('stdin', stdinRead ? "'-' given more than once: stdin can be read only once" : 'no stdin to read');
        continue;
      }
      stdinRead = true;
      const text = await readStream(stdin);
      if (text === undefined) unreadable('stdin', `larger than ${MAX_SOURCE_BYTES} bytes`);
      else addText(text, 'stdin');
      continue;
    }
    for (const path of await expandSource(source, options.recursive === true, unreadable)) {
      const text = await readSource(path, unreadable);
      if (text !== undefined) addText(text, path);
    }
  }
  return { objects, errors };
}

async function expandSource(source: string, recursive: boolean, unreadable: (source: string, reason: string) => void): Promise<string[]> {
  try {
    if (!(await stat(source)).isDirectory()) return [source];
    const entries = await readdir(source, { withFileTypes: true, recursive });
    return entries
      .filter((entry) => entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
  } catch (error) {
    unreadable(source, describeIOError(error));
    return [];
  }
}

async function readSource(path: string, unreadable: (source: string, reason: string) => void): Promise<string | undefined> {
  try {
    if ((await stat(path)).size > MAX_SOURCE_BYTES) {
      unreadable(path, `larger than ${MAX_SOURCE_BYTES} bytes`);
      return undefined;
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    unreadable(path, describeIOError(error));
    return undefined;
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_SOURCE_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeIOError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read: ${(error as Error).message}`;
}
