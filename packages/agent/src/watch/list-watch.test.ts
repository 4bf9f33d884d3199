// runListWatch against a scripted KubeClient: exact request sequences and sink calls.
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { KubeClient } from './kube-client.ts';
import { runListWatch } from './list-watch.ts';
import type { ListWatchEvent, ResourceDescriptor } from './list-watch-types.ts';
import { listPath, watchPath } from './request-paths.ts';
import { realWatchClock } from './watch-clock.ts';

const resource: ResourceDescriptor = {
  name: 'services',
  apiVersion: 'v1',
  kind: 'Service',
  path: '/api/v1/services',
  selectors: { labelSelector: '!service.kubernetes.io/headless' },
};
const timing = {
  pageSize: 2,
  watchTimeoutSeconds: 100,
  stallTimeoutMs: 200,
  requestTimeoutMs: 1_000,
  healthyWatchMs: 10_000,
  backoff: { initialMs: 10, maxMs: 40, factor: 2, jitter: 0 },
};

type Reply = (signal: AbortSignal) => IncomingMessage;

function reply(status: number, body: unknown): Reply {
  return () =>
    Object.assign(Readable.from([Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))]), { statusCode: status }) as unknown as IncomingMessage;
}

/** A watch response that stays open, sending `lines`, until the client aborts. */
function openWatch(lines: readonly string[]): Reply {
  return (signal) => {
    const stream = new PassThrough();
    for (const line of lines) stream.write(`${line}\n`);
    signal.addEventListener('abort', () => stream.destroy(new Error('aborted')), { once: true });
    return Object.assign(stream, { statusCode: 200 }) as unknown as IncomingMessage;
  };
}

function svc(name: string, resourceVersion: string): Record<string, unknown> {
  return { kind: 'Service', apiVersion: 'v1', metadata: { namespace: 'ns', name, resourceVersion } };
}

function event(type: string, object: unknown): string {
  return JSON.stringify({ type, object });
}

/** Runs the loop over `replies` (one per request, in order); the request after the last stops the loop. */
async function run(replies: Reply[]): Promise<{ paths: string[]; calls: string[]; events: string[] }> {
  const paths: string[] = [];
  const calls: string[] = [];
  const events: string[] = [];
  const stopping = new AbortController();
  const client: KubeClient = {
    server: 'http://test',
    get: async (path, signal) => {
      paths.push(decodeURIComponent(path));
      const next = replies.shift();
      if (next === undefined) {
        stopping.abort();
        throw new Error('script ended');
      }
      return next(signal);
    },
  };
  const onEvent = (e: ListWatchEvent): void => {
    events.push(e.reason === undefined ? e.type : `${e.type}:${e.reason}`);
  };
  await runListWatch(
    { client, clock: realWatchClock, rng: () => 0.5, log: silentLogger(), onEvent },
    resource,
    timing,
    {
      replaced: (objects) => calls.push(`replaced ${[...objects.keys()].join(',')}`),
      applied: (type, object) => calls.push(`${type} ${JSON.stringify(object['metadata'])}`),
    },
    stopping.signal,
  );
  return { paths, calls, events };
}

describe('runListWatch', () => {
  it('lists in pages with the selector, watches from the list version, and relists on a 410 ERROR event', async () => {
    const result = await run([
      reply(200, { metadata: { resourceVersion: '10', continue: 'page2' }, items: [svc('a', '3'), svc('b', '4')] }),
      reply(200, { metadata: { resourceVersion: '10' }, items: [svc('c', '5')] }),
      openWatch([
        event('ADDED', svc('d', '11')),
        event('BOOKMARK', { kind: 'Service', apiVersion: 'v1', metadata: { resourceVersion: '15' } }),
        event('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }),
      ]),
      reply(200, { metadata: { resourceVersion: '20' }, items: [svc('a', '3')] }),
    ]);
    expect(result.paths).toEqual([
      '/api/v1/services?labelSelector=!service.kubernetes.io/headless&limit=2',
      '/api/v1/services?labelSelector=!service.kubernetes.io/headless&limit=2&continue=page2',
      '/api/v1/services?labelSelector=!service.kubernetes.io/headless&watch=1&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=150',
      '/api/v1/services?labelSelector=!service.kubernetes.io/headless&limit=2',
      '/api/v1/services?labelSelector=!service.kubernetes.io/headless&watch=1&resourceVersion=20&allowWatchBookmarks=true&timeoutSeconds=150',
    ]);
    expect(result.calls).toEqual(['replaced ns/a,ns/b,ns/c', 'ADDED {"namespace":"ns","name":"d","resourceVersion":"11"}', 'replaced ns/a']);
    expect(result.events).toEqual(['listed', 'watch-opened', 'relist', 'listed']);
  });

  it('re-watches from the last good version after garbage, an ERROR status, a 500 and a stall', async () => {
    const result = await run([
      reply(200, { metadata: { resourceVersion: '10' }, items: [] }),
      openWatch([event('ADDED', svc('a', '11')), '{garbage']),
      openWatch([event('MODIFIED', svc('a', '12')), event('ERROR', { kind: 'Status', code: 500, message: 'etcd hiccup' })]),
      reply(500, { kind: 'Status', code: 500 }),
      openWatch([]),
      reply(410, { kind: 'Status', code: 410, reason: 'Gone' }),
    ]);
    expect(result.paths.map((path) => /resourceVersion=(\d+)/.exec(path)?.[1] ?? 'list')).toEqual(['list', '10', '11', '12', '12', '12', 'list']);
    expect(result.events).toEqual([
      'listed',
      'watch-opened',
      'decode-error:not-json',
      'watch-opened',
      'error-event',
      'watch-failed',
      'watch-opened',
      'watch-stalled',
      'relist',
    ]);
    expect(result.calls).toEqual([
      'replaced ',
      'ADDED {"namespace":"ns","name":"a","resourceVersion":"11"}',
      'MODIFIED {"namespace":"ns","name":"a","resourceVersion":"12"}',
    ]);
  });

  it('skips an object of another kind with its reason, and re-watches after one without a kind or a version', async () => {
    const meta = (name: string, resourceVersion?: string): Record<string, unknown> => ({
      namespace: 'ns',
      name,
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    });
    const result = await run([
      reply(200, { metadata: { resourceVersion: '10' }, items: [{ metadata: { namespace: 'ns' } }] }),
      openWatch([
        event('ADDED', { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('cm', '11') }),
        event('ADDED', { kind: 'Service', apiVersion: 'discovery.k8s.io/v1', metadata: meta('odd', '12') }),
        event('ADDED', svc('a', '13')),
        event('MODIFIED', { metadata: meta('a', '14') }),
      ]),
      openWatch([event('ADDED', { kind: 'Service', apiVersion: 'v1', metadata: meta('b') })]),
    ]);
    expect(result.events).toEqual([
      'decode-error:listed-without-name',
      'listed',
      'watch-opened',
      'decode-error:wrong-kind',
      'decode-error:wrong-kind',
      'decode-error:no-kind',
      'watch-opened',
      'decode-error:no-name-or-version',
    ]);
    expect(result.calls).toEqual(['replaced ', 'ADDED {"namespace":"ns","name":"a","resourceVersion":"13"}']);
    expect(result.paths.map((path) => /resourceVersion=(\d+)/.exec(path)?.[1] ?? 'list')).toEqual(['list', '10', '13', '13']);
  });

  it('treats a list without a resourceVersion or items as a failure', async () => {
    const result = await run([reply(200, { metadata: {}, items: [] }), reply(200, '[]'), reply(200, 'nonsense')]);
    expect(result.events).toEqual(['list-failed', 'list-failed', 'list-failed']);
    expect(result.calls).toEqual([]);
  });
});

describe('listPath / watchPath', () => {
  const node: ResourceDescriptor = {
    name: 'node',
    apiVersion: 'v1',
    kind: 'Node',
    path: '/api/v1/nodes',
    selectors: { fieldSelector: 'metadata.name=node-a' },
  };

  it('carry the field selector of the own-Node resource', () => {
    expect(listPath(node, 500, undefined)).toBe('/api/v1/nodes?fieldSelector=metadata.name%3Dnode-a&limit=500');
    expect(watchPath(node, '42', 300)).toBe(
      '/api/v1/nodes?fieldSelector=metadata.name%3Dnode-a&watch=1&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=300',
    );
  });
});
