// Lists through plain fetch: resourceVersion semantics, paging, selectors, expired continue tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import { request, service } from './api-client.ts';

type Meta = { name: string; namespace: string; resourceVersion: string; labels?: Record<string, string> };
const names = (body: Record<string, unknown>): string[] => (body.items as { metadata: Meta }[]).map((i) => `${i.metadata.namespace}/${i.metadata.name}`);

describe('list: 10,000 services paged', () => {
  let api: ApiServerHandle;
  const total = 10_000;

  beforeAll(async () => {
    const items = Array.from({ length: total }, (_, i) => ({
      metadata: { name: `svc-${String(i).padStart(5, '0')}`, namespace: `ns-${i % 4}`, labels: { shard: String(i % 10) } },
      spec: { clusterIP: '10.96.0.1' },
    }));
    api = await startApiServer({ seed: [{ apiVersion: 'v1', kind: 'ServiceList', items }] });
  });
  afterAll(async () => api.stop());

  it('returns every object exactly once in etcd key order, with continue and remainingItemCount', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    let listVersion = '';
    do {
      const { status, body } = await request(api.url, 'GET', `/api/v1/services?limit=500${token === '' ? '' : `&continue=${token}`}`);
      expect(status).toBe(200);
      expect(body.kind).toBe('ServiceList');
      expect(body.apiVersion).toBe('v1');
      const metadata = body.metadata as { resourceVersion: string; continue?: string; remainingItemCount?: number };
      if (pages === 0) listVersion = metadata.resourceVersion;
      expect(metadata.resourceVersion).toBe(listVersion);
      seen.push(...names(body));
      pages += 1;
      token = metadata.continue ?? '';
      if (token !== '') expect(metadata.remainingItemCount).toBe(total - seen.length);
      else expect(metadata.remainingItemCount).toBeUndefined();
    } while (token !== '');
    expect(pages).toBe(20);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen).toEqual([...seen].sort());
    expect(seen[0]).toBe('ns-0/svc-00000');
  });

  it('pages one namespace with a label selector (no remainingItemCount with selectors)', async () => {
    const first = await request(api.url, 'GET', '/api/v1/namespaces/ns-1/services?limit=100&labelSelector=shard%3D1');
    const metadata = first.body.metadata as { continue?: string; remainingItemCount?: number };
    expect(names(first.body)).toHaveLength(100);
    expect(names(first.body).every((n) => n.startsWith('ns-1/'))).toBe(true);
    expect(metadata.remainingItemCount).toBeUndefined();
    let all = names(first.body);
    let token = metadata.continue ?? '';
    while (token !== '') {
      const next = await request(api.url, 'GET', `/api/v1/namespaces/ns-1/services?limit=100&labelSelector=shard%3D1&continue=${token}`);
      all = all.concat(names(next.body));
      token = (next.body.metadata as { continue?: string }).continue ?? '';
    }
    // i % 4 == 1 and i % 10 == 1  ⇔  i % 20 == 1
    expect(all).toHaveLength(total / 20);
  });

  it('a paged list stays consistent at its resourceVersion while objects change', async () => {
    const first = await request(api.url, 'GET', '/api/v1/namespaces/ns-3/services?limit=2');
    const token = (first.body.metadata as { continue: string }).continue;
    expect(names(first.body)).toEqual(['ns-3/svc-00003', 'ns-3/svc-00007']);
    await api.remove('Service', 'ns-3', 'svc-00011');
    await api.create(service('ns-3', 'svc-00008a'));
    const second = await request(api.url, 'GET', `/api/v1/namespaces/ns-3/services?limit=3&continue=${token}`);
    expect(names(second.body)).toEqual(['ns-3/svc-00011', 'ns-3/svc-00015', 'ns-3/svc-00019']);
    expect((second.body.metadata as Meta).resourceVersion).toBe((first.body.metadata as Meta).resourceVersion);
    const fresh = await request(api.url, 'GET', '/api/v1/namespaces/ns-3/services?limit=3');
    expect(names(fresh.body)).toEqual(['ns-3/svc-00003', 'ns-3/svc-00007', 'ns-3/svc-00008a']);
    const after = await request(api.url, 'GET', `/api/v1/namespaces/ns-3/services?limit=2&continue=${(fresh.body.metadata as { continue: string }).continue}`);
    expect(names(after.body)).toEqual(['ns-3/svc-00015', 'ns-3/svc-00019']);
  });

  it('resourceVersion=0 ignores limit (served from the watch cache upstream)', async () => {
    const { body } = await request(api.url, 'GET', '/api/v1/services?limit=10&resourceVersion=0');
    expect(names(body)).toHaveLength(total);
    expect((body.metadata as { continue?: string }).continue).toBeUndefined();
  });
});

describe('list: versions, selectors and errors', () => {
  let api: ApiServerHandle;

  beforeAll(async () => {
    api = await startApiServer({
      historyLimit: 5,
      seed: [
        service('a', 'web', { app: 'web', tier: 'front' }),
        service('a', 'db', { app: 'db' }),
        service('b', 'web', { app: 'web', tier: 'back' }),
        service('b', 'cache', {}),
      ],
    });
  });
  afterAll(async () => api.stop());

  it.each([
    ['app=web', ['a/web', 'b/web']],
    ['app==web', ['a/web', 'b/web']],
    ['app!=web', ['a/db', 'b/cache']],
    ['app in (db,web)', ['a/db', 'a/web', 'b/web']],
    ['app notin (db,web)', ['b/cache']],
    ['tier', ['a/web', 'b/web']],
    ['!tier', ['a/db', 'b/cache']],
    ['app=web,tier!=front', ['b/web']],
  ])('labelSelector %j', async (selector, expected) => {
    const { body } = await request(api.url, 'GET', `/api/v1/services?labelSelector=${encodeURIComponent(selector)}`);
    expect(names(body)).toEqual(expected);
  });

  it.each([
    ['metadata.name=web', ['a/web', 'b/web']],
    ['metadata.name==web,metadata.namespace=b', ['b/web']],
    ['metadata.namespace!=a', ['b/cache', 'b/web']],
  ])('fieldSelector %j', async (selector, expected) => {
    const { body } = await request(api.url, 'GET', `/api/v1/services?fieldSelector=${encodeURIComponent(selector)}`);
    expect(names(body)).toEqual(expected);
  });

  it('lists one namespace, cluster-scoped namespaces, and an unknown namespace as empty', async () => {
    expect(names((await request(api.url, 'GET', '/api/v1/namespaces/b/services')).body)).toEqual(['b/cache', 'b/web']);
    expect(names((await request(api.url, 'GET', '/api/v1/namespaces/nope/services')).body)).toEqual([]);
    const namespaces = await request(api.url, 'GET', '/api/v1/namespaces');
    expect((namespaces.body.items as { metadata: Meta }[]).map((n) => n.metadata.name)).toEqual([
      'a',
      'b',
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
  });

  it('list items carry no kind/apiVersion; the list carries the current resourceVersion', async () => {
    const { body } = await request(api.url, 'GET', '/api/v1/namespaces/a/services');
    expect((body.items as Record<string, unknown>[])[0]).not.toHaveProperty('kind');
    expect((body.metadata as Meta).resourceVersion).toBe(api.resourceVersion());
  });

  it.each([
    ['labelSelector=a%20b', 400, 'BadRequest'],
    ['fieldSelector=spec.selector%3Dx', 400, 'BadRequest'],
    ['resourceVersion=abc', 400, 'BadRequest'],
    ['continue=garbage!', 400, 'BadRequest'],
    ['resourceVersionMatch=Exact', 422, 'Invalid'],
    ['resourceVersion=99999', 504, 'Timeout'],
  ])('%s → %i %s', async (query, code, reason) => {
    const { status, body } = await request(api.url, 'GET', `/api/v1/services?${query}`);
    expect(status).toBe(code);
    expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
  });

  it('field label errors name the field as upstream does', async () => {
    const { body } = await request(api.url, 'GET', '/api/v1/services?fieldSelector=spec.selector%3Dx');
    expect(body.message).toBe('field label not supported: spec.selector');
  });

  it('an expired continue token answers 410 with the inconsistent-continue message and a fresh token', async () => {
    const first = await request(api.url, 'GET', '/api/v1/services?limit=1');
    expect(names(first.body)).toEqual(['a/db']);
    const token = (first.body.metadata as { continue: string }).continue;
    for (let i = 0; i < 6; i += 1) await api.create(service('a', `churn-${i}`));
    const { status, body } = await request(api.url, 'GET', `/api/v1/services?limit=1&continue=${token}`);
    expect(status).toBe(410);
    expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(body.message).toMatch(
      /^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token/,
    );
    const fresh = (body.metadata as { continue: string }).continue;
    expect(JSON.parse(Buffer.from(fresh, 'base64url').toString())).toEqual({ v: 'meta.k8s.io/v1', rv: -1, start: 'a/db\u0000' });
    const resumed = await request(api.url, 'GET', `/api/v1/services?limit=100&continue=${fresh}`);
    expect(resumed.status).toBe(200);
    expect(names(resumed.body)).toEqual(['a/web', 'b/cache', 'b/web']);
  });

  it('an exact list at a version older than the history answers 410 "too old"', async () => {
    const { status, body } = await request(api.url, 'GET', '/api/v1/services?resourceVersion=1&resourceVersionMatch=Exact');
    expect(status).toBe(410);
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'The resourceVersion for the provided list is too old.',
      reason: 'Expired',
      code: 410,
    });
  });

  it('an exact list inside the history shows the state at that version', async () => {
    const before = api.resourceVersion();
    await api.remove('Service', 'b', 'cache');
    const { body } = await request(api.url, 'GET', `/api/v1/namespaces/b/services?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(names(body)).toEqual(['b/cache', 'b/web']);
    expect((body.metadata as Meta).resourceVersion).toBe(before);
  });
});
