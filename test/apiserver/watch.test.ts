// Watches through plain fetch: event stream, replay, selectors, bookmarks, timeouts, 410.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import { endpointSlice, nameAndType, service, WatchReader } from './api-client.ts';

describe('watch', () => {
  let api: ApiServerHandle;
  const readers: WatchReader[] = [];
  const open = (path: string): WatchReader => {
    const reader = new WatchReader(`${api.url}${path}`);
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    api = await startApiServer({ historyLimit: 50, bookmarkIntervalMs: 200, seed: [service('a', 'web', { app: 'web' }), service('b', 'db', { app: 'db' })] });
  });
  afterAll(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await api.stop();
  });

  it('resourceVersion unset: the current state as ADDED, then live ADDED/MODIFIED/DELETED with versions', async () => {
    const watch = open('/api/v1/services?watch=1');
    await watch.untilEvents(2);
    expect(watch.status).toBe(200);
    const created = await api.create(service('a', 'new'));
    await api.update({ ...created, spec: { clusterIP: '10.96.0.9' } });
    await api.remove('Service', 'a', 'new');
    const events = await watch.untilEvents(5);
    expect(nameAndType(events)).toEqual(['ADDED web', 'ADDED db', 'ADDED new', 'MODIFIED new', 'DELETED new']);
    const versions = events.slice(2).map((e) => Number((e.object.metadata as { resourceVersion: string }).resourceVersion));
    expect(versions).toEqual([versions[0], (versions[0] as number) + 1, (versions[0] as number) + 2]);
    expect(events[2]?.object).toMatchObject({ kind: 'Service', apiVersion: 'v1' });
    expect(String((events[4]?.object.metadata as { resourceVersion: string }).resourceVersion)).toBe(api.resourceVersion());
  });

  it('from a resourceVersion: replays the history after it, in one namespace only', async () => {
    const from = api.resourceVersion();
    await api.create(service('a', 'one'));
    await api.create(service('b', 'two'));
    await api.remove('Service', 'a', 'one');
    const watch = open(`/api/v1/namespaces/a/services?watch=true&resourceVersion=${from}`);
    expect(nameAndType(await watch.untilEvents(2))).toEqual(['ADDED one', 'DELETED one']);
    await api.create(service('a', 'three'));
    expect(nameAndType(await watch.untilEvents(3))[2]).toBe('ADDED three');
  });

  it('selectors: an object entering the selection is ADDED, one leaving it DELETED', async () => {
    const watch = open(`/api/v1/services?watch=1&labelSelector=app%3Dweb&resourceVersion=${api.resourceVersion()}`);
    const db = api.get('Service', 'b', 'db');
    await api.update({ ...db, metadata: { ...(db?.metadata as object), labels: { app: 'web' } } });
    await api.update({ ...api.get('Service', 'b', 'db'), spec: { clusterIP: '10.96.0.3' } });
    await api.update({ ...api.get('Service', 'b', 'db'), metadata: { ...(api.get('Service', 'b', 'db')?.metadata as object), labels: {} } });
    await api.update({ ...api.get('Service', 'b', 'db'), spec: { clusterIP: '10.96.0.4' } });
    await api.create(service('b', 'web2', { app: 'web' }));
    expect(nameAndType(await watch.untilEvents(4))).toEqual(['ADDED db', 'MODIFIED db', 'DELETED db', 'ADDED web2']);
  });

  it('fieldSelector on metadata.name watches one object (what kubectl get NAME --watch does)', async () => {
    const watch = open(
      `/apis/discovery.k8s.io/v1/namespaces/a/endpointslices?watch=1&fieldSelector=metadata.name%3Dweb-1&resourceVersion=${api.resourceVersion()}`,
    );
    await api.create(endpointSlice('a', 'web-2', 'web', ['10.0.0.2']));
    await api.create(endpointSlice('a', 'web-1', 'web', ['10.0.0.1']));
    const [event] = await watch.untilEvents(1);
    expect(nameAndType([event!])).toEqual(['ADDED web-1']);
    expect(event?.object).toMatchObject({ kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', metadata: { generation: 1 } });
  });

  it('bookmarks carry an empty object of the kind with the current resourceVersion', async () => {
    const watch = open(`/api/v1/services?watch=1&allowWatchBookmarks=true&resourceVersion=${api.resourceVersion()}`);
    await watch.until((r) => r.events.some((e) => e.type === 'BOOKMARK'));
    const bookmark = watch.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark?.object).toEqual({
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { resourceVersion: api.resourceVersion(), creationTimestamp: null },
      spec: {},
      status: { loadBalancer: {} },
    });
  });

  it('sendInitialEvents: the state, then a bookmark annotated k8s.io/initial-events-end', async () => {
    const watch = open(
      '/api/v1/namespaces/a/services?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=',
    );
    await watch.until((r) => r.events.some((e) => e.type === 'BOOKMARK'));
    const types = watch.events.map((e) => e.type);
    const bookmark = watch.events[types.indexOf('BOOKMARK')];
    expect(types.slice(0, types.indexOf('BOOKMARK')).every((t) => t === 'ADDED')).toBe(true);
    expect(nameAndType(watch.events.slice(0, types.indexOf('BOOKMARK')))).toEqual(['ADDED three', 'ADDED web']);
    expect(bookmark?.object.metadata).toEqual({
      resourceVersion: api.resourceVersion(),
      creationTimestamp: null,
      annotations: { 'k8s.io/initial-events-end': 'true' },
    });
  });

  it('timeoutSeconds ends the stream cleanly', async () => {
    const watch = open(`/api/v1/services?watch=1&timeoutSeconds=1&resourceVersion=${api.resourceVersion()}`);
    const started = Date.now();
    await watch.until((r) => r.ended, 4000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(watch.events).toEqual([]);
  });

  it('a version older than the history gets one ERROR 410 event, exactly as upstream writes it', async () => {
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } });
    const floor = Number(api.resourceVersion());
    for (let i = 0; i < 51; i += 1) await api.create(service('c', `bulk-${i}`));
    const watch = open('/api/v1/services?watch=1&resourceVersion=2');
    await watch.until((r) => r.ended);
    expect(watch.status).toBe(200);
    expect(watch.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: 2 (${floor + 1})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
  });

  it('rejects watch option combinations as upstream validation does', async () => {
    const response = await fetch(`${api.url}/api/v1/services?watch=1&sendInitialEvents=true`);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      reason: 'Invalid',
      message: expect.stringContaining('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'),
    });
  });
});
