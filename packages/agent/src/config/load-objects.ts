// Reads `kpx render -f` sources: files, directories (every .yaml/.yml/.json in it, sorted by
// path; subdirectories only when recursive, as kubectl -R) and `-` for stdin.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { RawObject } from '../model/inputs.ts';
import { MAX_DOCUMENTS, parseObjectsText, type DocumentBudget, type LoadError } from './parse-objects.ts';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/**
 * Bytes read in all, every source together. The largest clusters Kubernetes supports dump to
 * about 100–200 MB of YAML, so this is well above any real input; it stays below V8's longest
 * string (2^29 − 24 characters), so a JSON dump still decodes as one string; and at kpx's
 * amplification (peak RSS at most ~10× the input) it keeps a render within a few GiB.
 */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;
const TOO_LARGE = `larger than ${MAX_INPUT_BYTES} bytes (512 MiB) with the sources before it, the most kpx reads`;

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
  const budget: DocumentBudget = { documents: MAX_DOCUMENTS };
  const bytes = { left: MAX_INPUT_BYTES };
  let stdinRead = false;
  const addText = (text: string, source: string): void => {
    const parsed = parseObjectsText(text, source, budget);
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
      const text = await readStream(stdin, bytes);
      if (text === undefined) unreadable('stdin', TOO_LARGE);
      else addText(text, 'stdin');
      continue;
    }
    for (const path of await expandSource(source, options.recursive === true, unreadable)) {
      const text = await readSource(path, bytes, unreadable);
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

async function readSource(path: string, bytes: { left: number }, unreadable: (source: string, reason: string) => void): Promise<string | undefined> {
  try {
    const size = (await stat(path)).size;
    if (size > bytes.left) {
      unreadable(path, TOO_LARGE);
      return undefined;
    }
    bytes.left -= size;
    return await readFile(path, 'utf8');
  } catch (error) {
    unreadable(path, describeIOError(error));
    return undefined;
  }
}

async function readStream(stream: NodeJS.ReadableStream, bytes: { left: number }): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    if (buffer.length > bytes.left) return undefined;
    bytes.left -= buffer.length;
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
