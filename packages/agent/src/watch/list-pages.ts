// A complete list of one resource, page by page (limit/continue), gathered into a fresh
// map that the caller swaps in only once the last page has arrived.
import type { RawObject } from '../model/inputs.ts';
import { parseStatus, readJsonObject, responseError, statusToError } from './api-response.ts';
import type { ListWatchDeps, ListWatchTiming, ResourceDescriptor } from './list-watch-types.ts';
import { objectKey } from './object-cache.ts';
import { listPath } from './request-paths.ts';
import { isRecord } from '../model/field-reader.ts';

export interface ListResult {
  readonly objects: Map<string, RawObject>;
  /** The version to watch from: the list's own. */
  readonly resourceVersion: string;
}

/** Throws (a KpxError, or an abort) when any page fails, an expired continue token included: the loop then lists again from the first page. */
export async function listAll(deps: ListWatchDeps, resource: ResourceDescriptor, timing: ListWatchTiming, signal: AbortSignal): Promise<ListResult> {
  const objects = new Map<string, RawObject>();
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const page = await listPage(deps, resource, timing, continueToken, signal);
    for (const item of page.items) {
      // List items come without apiVersion/kind; give them what watch events carry.
      const object: RawObject = { apiVersion: resource.apiVersion, kind: resource.kind, ...item };
      const key = objectKey(object);
      if (key === undefined) {
        const error = new Error('listed object without a name');
        deps.log.warn({ resource: resource.name, event: 'decode-error', reason: 'listed-without-name', err: error }, 'list/watch trouble');
        deps.onEvent({ resource: resource.name, type: 'decode-error', error, reason: 'listed-without-name' });
        continue;
      }
      objects.set(key, object);
    }
    continueToken = page.continueToken;
    resourceVersion = page.resourceVersion;
  } while (continueToken !== undefined);
  return { objects, resourceVersion };
}

interface ListPage {
  readonly items: readonly Record<string, unknown>[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

async function listPage(
  deps: ListWatchDeps,
  resource: ResourceDescriptor,
  timing: ListWatchTiming,
  continueToken: string | undefined,
  signal: AbortSignal,
): Promise<ListPage> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const cancelDeadline = deps.clock.setTimer(stop, timing.requestTimeoutMs);
  const context = { resource: resource.name, continued: continueToken !== undefined };
  try {
    const response = await deps.client.get(listPath(resource, timing.pageSize, continueToken), controller.signal);
    if (response.statusCode !== 200) throw await responseError(response, context);
    const body = await readJsonObject(response, context);
    const { items, metadata } = body;
    const version = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
    const next = isRecord(metadata) ? metadata['continue'] : undefined;
    if (!Array.isArray(items) || typeof version !== 'string' || version === '') {
      throw statusToError(parseStatus(body, 500), { ...context, problem: 'list without items or resourceVersion' });
    }
    return {
      items: items.filter(isRecord),
      resourceVersion: version,
      continueToken: typeof next === 'string' && next !== '' ? next : undefined,
    };
  } finally {
    cancelDeadline();
    signal.removeEventListener('abort', stop);
  }
}
