// Each fault switch, and stop/restart keeping objects and versions.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import { nameAndType, request, service, WatchReader } from './api-client.ts';

describe('faults', () => {
  let api: ApiServerHandle;
  const readers: WatchReader[] = [];
  const open = (path: string): WatchReader => {
    const reader = new WatchReader(`${api.url}${path}`);
    readers.push(reader);
    return reader;
  };
  const watchFromNow = (): WatchReader => open(`/api/v1/services?watch=1&resourceVersion=${api.resourceVersion()}`);
  const waitForWatches = async (count: number): Promise<void> => {
    for (let i = 0; i < 100 && api.openWatchCount() !== count; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(api.openWatchCount()).toBe(count);
  };

  beforeAll(async () => {
    api = await startApiServer({ seed: [service('default', 'web')] });
  });
  beforeEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
    await waitForWatches(0);
  });
  afterAll(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await api.stop();
  });

  it('dropWatches ends every open watch cleanly', async () => {
    const first = watchFromNow();
    const second = watchFromNow();
    await waitForWatches(2);
    api.faults.dropWatches();
    await first.until((r) => r.ended);
    await second.until((r) => r.ended);
    expect(api.openWatchCount()).toBe(0);
  });

  it('resetWatches destroys the connections', async () => {
    const watch = watchFromNow();
    await waitForWatches(1);
    api.faults.resetWatches();
    await watch.until((r) => r.ended);
    expect(api.openWatchCount()).toBe(0);
  });

  it('failRequests answers every request with the status until cleared', async () => {
    api.faults.failRequests(500);
    const failed = await request(api.url, 'GET', '/api/v1/services');
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'InternalError', code: 500 });
    expect((await request(api.url, 'GET', '/version')).status).toBe(500);
    api.faults.failRequests(503);
    expect((await request(api.url, 'GET', '/api/v1/services?watch=1')).status).toBe(503);
    api.faults.failRequests(undefined);
    expect((await request(api.url, 'GET', '/api/v1/services')).status).toBe(200);
  });

  it('stallWatches holds new watches without a byte; they stay stuck after clearing', async () => {
    api.faults.stallWatches(true);
    const stalled = watchFromNow();
    await waitForWatches(1);
    await api.create(service('default', 'during-stall'));
    api.faults.stallWatches(false);
    const fresh = watchFromNow();
    await api.create(service('default', 'after-stall'));
    await fresh.untilEvents(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(stalled.status).toBe(0);
    expect(stalled.events).toEqual([]);
    expect(nameAndType(fresh.events)).toEqual(['ADDED after-stall']);
    await stalled.close();
    await fresh.close();
  });

  it('freezeWatches silences open watches for good', async () => {
    const watch = watchFromNow();
    await api.create(service('default', 'before-freeze'));
    await watch.untilEvents(1);
    api.faults.freezeWatches();
    await api.create(service('default', 'after-freeze'));
    await new Promise((r) => setTimeout(r, 100));
    expect(nameAndType(watch.events)).toEqual(['ADDED before-freeze']);
    expect(watch.ended).toBe(false);
    await watch.close();
  });

  it('injectRaw writes text into open streams between events', async () => {
    const watch = watchFromNow();
    await waitForWatches(1);
    api.faults.injectRaw('{"type":"ADDED","object":{garbage\n');
    await api.create(service('default', 'after-garbage'));
    await watch.untilEvents(1);
    expect(watch.garbage).toEqual(['{"type":"ADDED","object":{garbage']);
    expect(nameAndType(watch.events)).toEqual(['ADDED after-garbage']);
    await watch.close();
  });

  it('expireHistory makes every older version 410 for watches', async () => {
    const old = api.resourceVersion();
    await api.create(service('default', 'before-expiry'));
    api.faults.expireHistory();
    const watch = open(`/api/v1/services?watch=1&resourceVersion=${old}`);
    await watch.until((r) => r.ended);
    expect(watch.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${old} (${api.resourceVersion()})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
  });

  it('expireHistory makes even the newest version a client holds 410, and new lists carry a newer version', async () => {
    const newest = api.resourceVersion();
    api.faults.expireHistory();
    const watch = open(`/api/v1/services?watch=1&resourceVersion=${newest}`);
    await watch.until((r) => r.ended);
    expect(watch.events[0]?.object).toMatchObject({ code: 410, message: `too old resource version: ${newest} (${Number(newest) + 1})` });
    const list = await request(api.url, 'GET', '/api/v1/services');
    expect((list.body.metadata as { resourceVersion: string }).resourceVersion).toBe(String(Number(newest) + 1));
  });

  it('stop drops connections and refuses new ones; restart serves the same objects and versions on the same port', async () => {
    const watch = watchFromNow();
    await waitForWatches(1);
    const before = await request(api.url, 'GET', '/api/v1/namespaces/default/services/web');
    const version = api.resourceVersion();
    await api.stop();
    await watch.until((r) => r.ended);
    await expect(fetch(`${api.url}/version`)).rejects.toThrow();
    await api.restart();
    const after = await request(api.url, 'GET', '/api/v1/namespaces/default/services/web');
    expect(after.body).toEqual(before.body);
    expect(api.resourceVersion()).toBe(version);
    const resumed = open(`/api/v1/services?watch=1&resourceVersion=${version}`);
    await api.create(service('default', 'after-restart'));
    expect(nameAndType(await resumed.untilEvents(1))).toEqual(['ADDED after-restart']);
    expect(Number((resumed.events[0]?.object.metadata as { resourceVersion: string }).resourceVersion)).toBe(Number(version) + 1);
  });

  it('after a restart, a version older than the restart point is 410 (the watch cache starts afresh)', async () => {
    const old = String(Number(api.resourceVersion()) - 1);
    await api.stop();
    await api.restart();
    // Let fetch's pool notice that the server closed its idle keep-alive sockets.
    await new Promise((r) => setTimeout(r, 50));
    const watch = open(`/api/v1/services?watch=1&resourceVersion=${old}`);
    await watch.until((r) => r.ended);
    expect(watch.events[0]?.type).toBe('ERROR');
    expect(watch.events[0]?.object.code).toBe(410);
  });
});
