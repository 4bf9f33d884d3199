// @kubernetes/client-node 2.0.1, which the watch layer is built on, against the embedded server.
import { CoreV1Api, DiscoveryV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import { endpointSlice, service } from './api-client.ts';

describe('@kubernetes/client-node against the embedded API server', () => {
  let api: ApiServerHandle;
  let config: KubeConfig;

  beforeAll(async () => {
    api = await startApiServer({
      bookmarkIntervalMs: 100,
      seed: [service('a', 'web', { app: 'web' }), service('b', 'db'), endpointSlice('a', 'web-1', 'web', ['10.0.0.1'])],
    });
    config = new KubeConfig();
    // client-node 2.0.1 refuses plain http unless skipTLSVerify is set ("HTTP protocol is not allowed…").
    config.loadFromClusterAndUser({ name: 'kpx', server: api.url, skipTLSVerify: true }, { name: 'kpx' });
  });
  afterAll(async () => api.stop());

  it('CoreV1Api.listServiceForAllNamespaces pages with limit/continue and decodes typed objects', async () => {
    const core = config.makeApiClient(CoreV1Api);
    const first = await core.listServiceForAllNamespaces({ limit: 1 });
    expect(first.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual(['a/web']);
    expect(first.metadata?._continue).toBeTypeOf('string');
    expect(first.metadata?.remainingItemCount).toBe(1);
    const second = await core.listServiceForAllNamespaces({ limit: 1, _continue: first.metadata?._continue });
    expect(second.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual(['b/db']);
    expect(second.metadata?._continue).toBeUndefined();
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const selected = await core.listServiceForAllNamespaces({ labelSelector: 'app=web' });
    expect(selected.items.map((s) => s.metadata?.name)).toEqual(['web']);
    expect(selected.items[0]?.spec?.ports?.[0]?.port).toBe(80);
  });

  it('DiscoveryV1Api lists EndpointSlices', async () => {
    const discovery = config.makeApiClient(DiscoveryV1Api);
    const slices = await discovery.listEndpointSliceForAllNamespaces();
    expect(slices.items.map((s) => (s.endpoints ?? []).map((e) => e.addresses))).toEqual([[['10.0.0.1']]]);
  });

  it('a failed request rejects with the Status code', async () => {
    const core = config.makeApiClient(CoreV1Api);
    await expect(core.readNamespacedService({ name: 'nope', namespace: 'a' })).rejects.toMatchObject({ code: 404 });
  });

  it('Watch streams events and bookmarks, and reports the end of the stream', async () => {
    const events: string[] = [];
    let done: unknown = 'not yet';
    const from = api.resourceVersion();
    const controller = await new Watch(config).watch(
      '/api/v1/services',
      { resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds: 30 },
      (phase, object: { metadata?: { name?: string; resourceVersion?: string } }) => {
        events.push(phase === 'BOOKMARK' ? `BOOKMARK ${object.metadata?.resourceVersion}` : `${phase} ${object.metadata?.name}`);
      },
      (error) => {
        done = error;
      },
    );
    await api.create(service('a', 'added'));
    await api.remove('Service', 'a', 'added');
    for (let i = 0; i < 100 && !events.some((e) => e.startsWith('BOOKMARK')); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(events.slice(0, 2)).toEqual(['ADDED added', 'DELETED added']);
    expect(events).toContain(`BOOKMARK ${api.resourceVersion()}`);
    api.faults.dropWatches();
    for (let i = 0; i < 100 && done === 'not yet'; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(done).toBeNull();
    controller.abort();
  });

  it('Watch from an expired version delivers the 410 ERROR Status', async () => {
    api.faults.expireHistory();
    await api.create(service('b', 'later'));
    const errors: unknown[] = [];
    let finished = false;
    await new Watch(config).watch(
      '/api/v1/services',
      { resourceVersion: '1' },
      (phase, object) => {
        if (phase === 'ERROR') errors.push(object);
      },
      () => {
        finished = true;
      },
    );
    for (let i = 0; i < 100 && !finished; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: 1 (${Number(api.resourceVersion()) - 1})`,
        reason: 'Expired',
        code: 410,
      },
    ]);
  });
});
