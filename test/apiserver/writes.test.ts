// Create / update / patch / delete through plain fetch, with upstream-shaped Status bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import { endpointSlice, request, service } from './api-client.ts';

type Meta = Record<string, unknown> & { resourceVersion: string; uid: string; name: string };
const meta = (body: Record<string, unknown>): Meta => body.metadata as Meta;

describe('writes', () => {
  let api: ApiServerHandle;
  const svcPath = '/api/v1/namespaces/default/services';

  beforeAll(async () => {
    api = await startApiServer();
  });
  afterAll(async () => api.stop());

  it('create assigns uid, resourceVersion and creationTimestamp, clears Service status, answers 201', async () => {
    const before = Number(api.resourceVersion());
    const { status, body } = await request(api.url, 'POST', svcPath, {
      ...service('default', 'web'),
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    });
    expect(status).toBe(201);
    expect(meta(body).resourceVersion).toBe(String(before + 1));
    expect(meta(body).uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta(body).creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.status).toEqual({ loadBalancer: {} });
    expect(body).not.toHaveProperty('metadata.generation');
    const get = await request(api.url, 'GET', `${svcPath}/web`);
    expect(get.body).toEqual(body);
  });

  it('EndpointSlices get generation 1, bumped only when more than metadata changes', async () => {
    const path = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
    const created = await request(api.url, 'POST', path, endpointSlice('default', 'web-x', 'web', ['10.0.0.1']));
    expect(meta(created.body).generation).toBe(1);
    const labelled = await request(api.url, 'PATCH', `${path}/web-x`, { metadata: { labels: { extra: 'y' } } }, 'application/merge-patch+json');
    expect(meta(labelled.body).generation).toBe(1);
    const moved = await request(api.url, 'PATCH', `${path}/web-x`, { endpoints: [{ addresses: ['10.0.0.2'] }] }, 'application/strategic-merge-patch+json');
    expect(meta(moved.body).generation).toBe(2);
    expect(moved.body.endpoints).toEqual([{ addresses: ['10.0.0.2'] }]);
  });

  it('a duplicate create is 409 AlreadyExists', async () => {
    const { status, body } = await request(api.url, 'POST', svcPath, service('default', 'web'));
    expect(status).toBe(409);
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'services "web" already exists',
      reason: 'AlreadyExists',
      details: { name: 'web', kind: 'services' },
      code: 409,
    });
  });

  it('a missing object is 404 NotFound, naming the group for grouped resources', async () => {
    const { status, body } = await request(api.url, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/nope');
    expect(status).toBe(404);
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'endpointslices.discovery.k8s.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'discovery.k8s.io', kind: 'endpointslices' },
      code: 404,
    });
  });

  it('creating in a namespace that does not exist is 404 for the namespace', async () => {
    const { status, body } = await request(api.url, 'POST', '/api/v1/namespaces/ghost/services', service('ghost', 'x'));
    expect(status).toBe(404);
    expect(body.message).toBe('namespaces "ghost" not found');
  });

  it.each([
    [
      { apiVersion: 'v1', kind: 'Service', metadata: {} },
      422,
      'Invalid',
      'Service "" is invalid: metadata.name: Required value: name or generateName is required',
    ],
    [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'Bad_Name' } },
      422,
      'Invalid',
      /^Service "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a DNS-1035 label/,
    ],
    [{ apiVersion: 'v1', metadata: { name: 'x' } }, 400, 'BadRequest', /^Object 'Kind' is missing/],
    [
      { apiVersion: 'v2', kind: 'Service', metadata: { name: 'x' } },
      400,
      'BadRequest',
      'the API version in the data (v2) does not match the expected API version (v1)',
    ],
    [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'other' } },
      400,
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    ],
    ['{not json', 400, 'BadRequest', /^error decoding request body/],
  ])('rejects %j with %i %s', async (body, code, reason, message) => {
    const response = await request(api.url, 'POST', svcPath, body);
    expect(response.status).toBe(code);
    expect(response.body).toMatchObject({ kind: 'Status', status: 'Failure', reason, code });
    expect(response.body.message).toMatch(message);
  });

  it('stores garbage specs as given (only identity is validated)', async () => {
    const { status, body } = await request(api.url, 'POST', svcPath, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'garbage' },
      spec: { clusterIP: 'banana', ports: 'many' },
    });
    expect(status).toBe(201);
    expect(body.spec).toMatchObject({ clusterIP: 'banana', ports: 'many' });
  });

  it('Services created through the API are defaulted and get a ClusterIP and node ports; a taken ClusterIP is 422', async () => {
    const { status, body } = await request(api.url, 'POST', svcPath, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'minimal' },
      spec: { type: 'NodePort', ports: [{ port: 53, protocol: 'UDP' }] },
    });
    expect(status).toBe(201);
    expect(body.spec).toEqual({
      type: 'NodePort',
      sessionAffinity: 'None',
      clusterIP: '10.96.0.11',
      clusterIPs: ['10.96.0.11'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      externalTrafficPolicy: 'Cluster',
      ports: [{ port: 53, protocol: 'UDP', targetPort: 53, nodePort: 30000 }],
    });
    const replaced = await request(api.url, 'PUT', `${svcPath}/minimal`, { ...body, spec: { type: 'NodePort', ports: [{ port: 53, protocol: 'UDP' }] } });
    expect(replaced.body.spec).toEqual(body.spec);
    const taken = await request(api.url, 'POST', svcPath, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'clash' },
      spec: { clusterIP: '10.96.0.11' },
    });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toBe(
      'Service "clash" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.11"}: failed to allocate IP 10.96.0.11: provided IP is already allocated',
    );
  });

  it('update: stale resourceVersion is 409 Conflict; an unchanged object is not rewritten', async () => {
    const current = (await request(api.url, 'GET', `${svcPath}/web`)).body;
    const changed = await request(api.url, 'PUT', `${svcPath}/web`, { ...current, spec: { clusterIP: '10.96.0.2' } });
    expect(changed.status).toBe(200);
    expect(Number(meta(changed.body).resourceVersion)).toBeGreaterThan(Number(meta(current).resourceVersion));
    expect(meta(changed.body).uid).toBe(meta(current).uid);
    const stale = await request(api.url, 'PUT', `${svcPath}/web`, current);
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Operation cannot be fulfilled on services "web": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'web', kind: 'services' },
      code: 409,
    });
    const same = await request(api.url, 'PUT', `${svcPath}/web`, changed.body);
    expect(meta(same.body).resourceVersion).toBe(meta(changed.body).resourceVersion);
    const renamed = await request(api.url, 'PUT', `${svcPath}/web`, { ...changed.body, metadata: { ...meta(changed.body), name: 'other' } });
    expect(renamed.status).toBe(400);
  });

  it('update of the main resource keeps the status; the status subresource changes only status', async () => {
    const current = (await request(api.url, 'GET', `${svcPath}/web`)).body;
    const ingress = { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } };
    const main = await request(api.url, 'PUT', `${svcPath}/web`, { ...current, status: ingress });
    expect(main.body.status).toEqual({ loadBalancer: {} });
    const viaStatus = await request(api.url, 'PUT', `${svcPath}/web/status`, { ...main.body, spec: { clusterIP: '1.1.1.1' }, status: ingress });
    expect(viaStatus.body.status).toEqual(ingress);
    expect(viaStatus.body.spec).toEqual(main.body.spec);
  });

  it.each([
    ['application/merge-patch+json', { metadata: { labels: { a: 'b' } } }],
    ['application/strategic-merge-patch+json', { metadata: { labels: { a: 'b' } } }],
    ['application/json-patch+json', [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }]],
    ['application/apply-patch+yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    a: b\n'],
  ])('PATCH %s', async (contentType, patch) => {
    const query = contentType.includes('apply') ? '?fieldManager=test' : '';
    const { status, body } = await request(api.url, 'PATCH', `${svcPath}/web${query}`, patch, contentType);
    expect(status).toBe(200);
    expect(meta(body).labels).toEqual({ a: 'b' });
  });

  it('PATCH errors: unknown content type 415, failed json-patch test 422, apply without fieldManager 422, missing 404', async () => {
    expect((await request(api.url, 'PATCH', `${svcPath}/web`, {}, 'text/plain')).status).toBe(415);
    expect((await request(api.url, 'PATCH', `${svcPath}/web`, [{ op: 'test', path: '/kind', value: 'Pod' }], 'application/json-patch+json')).status).toBe(422);
    expect((await request(api.url, 'PATCH', `${svcPath}/web`, 'kind: Service', 'application/apply-patch+yaml')).status).toBe(422);
    expect((await request(api.url, 'PATCH', `${svcPath}/nope`, {}, 'application/merge-patch+json')).status).toBe(404);
  });

  it('server-side apply creates a missing object', async () => {
    const { status, body } = await request(
      api.url,
      'PATCH',
      `${svcPath}/applied?fieldManager=test`,
      JSON.stringify(service('default', 'applied')),
      'application/apply-patch+yaml',
    );
    expect(status).toBe(201);
    expect(meta(body).name).toBe('applied');
  });

  it('delete answers a Success Status; a uid precondition mismatch is 409; a second delete 404', async () => {
    const current = (await request(api.url, 'GET', `${svcPath}/applied`)).body;
    const wrongUid = await request(api.url, 'DELETE', `${svcPath}/applied`, { preconditions: { uid: 'nope' } });
    expect(wrongUid.status).toBe(409);
    const { status, body } = await request(api.url, 'DELETE', `${svcPath}/applied`);
    expect(status).toBe(200);
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'applied', kind: 'services', uid: meta(current).uid },
    });
    expect((await request(api.url, 'DELETE', `${svcPath}/applied`)).status).toBe(404);
  });

  it('finalizers hold a deleted object (deletionTimestamp set) until they are removed', async () => {
    await request(api.url, 'POST', svcPath, { ...service('default', 'held'), metadata: { name: 'held', finalizers: ['example.com/x'] } });
    const marked = await request(api.url, 'DELETE', `${svcPath}/held`);
    expect(meta(marked.body).deletionTimestamp).toBeDefined();
    expect((await request(api.url, 'GET', `${svcPath}/held`)).status).toBe(200);
    await request(api.url, 'PATCH', `${svcPath}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect((await request(api.url, 'GET', `${svcPath}/held`)).status).toBe(404);
  });

  it('core/v1 and events.k8s.io/v1 Events can be created and listed', async () => {
    const core = await request(api.url, 'POST', '/api/v1/namespaces/default/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      reason: 'Synced',
    });
    expect(core.status).toBe(201);
    const grouped = await request(api.url, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e2' },
      reason: 'Synced',
    });
    expect(grouped.status).toBe(201);
    const list = await request(api.url, 'GET', '/apis/events.k8s.io/v1/events');
    expect(list.body.kind).toBe('EventList');
    expect((list.body.items as { metadata: Meta }[]).map((e) => e.metadata.name)).toEqual(['e2']);
  });

  it('direct writes (seeds, the handle) keep a given uid and creationTimestamp; API writes never do', async () => {
    const identity = { uid: '11111111-2222-3333-4444-555555555555', creationTimestamp: '2020-01-01T00:00:00Z' };
    const direct = await api.create({ ...service('default', 'restored'), metadata: { name: 'restored', namespace: 'default', ...identity } });
    expect(direct.metadata).toMatchObject(identity);
    const viaApi = await request(api.url, 'POST', svcPath, { ...service('default', 'posted'), metadata: { name: 'posted', ...identity } });
    expect(meta(viaApi.body).uid).not.toBe(identity.uid);
    expect(meta(viaApi.body).creationTimestamp).not.toBe(identity.creationTimestamp);
  });

  it('DELETE on a collection deletes what the selectors match and returns it as a list', async () => {
    const path = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
    await request(api.url, 'POST', path, endpointSlice('default', 'keep-1', 'keep', ['10.0.0.1']));
    await request(api.url, 'POST', path, endpointSlice('default', 'gone-1', 'gone', ['10.0.0.2']));
    await request(api.url, 'POST', path, endpointSlice('default', 'gone-2', 'gone', ['10.0.0.3']));
    const { status, body } = await request(api.url, 'DELETE', `${path}?labelSelector=kubernetes.io%2Fservice-name%3Dgone`);
    expect(status).toBe(200);
    expect(body.kind).toBe('EndpointSliceList');
    expect((body.items as { metadata: Meta }[]).map((i) => i.metadata.name)).toEqual(['gone-1', 'gone-2']);
    const left = await request(api.url, 'GET', path);
    expect((left.body.items as { metadata: Meta }[]).map((i) => i.metadata.name)).toEqual(['keep-1', 'web-x']);
  });

  it('objects the handle returns, or was given, are copies: mutating them changes nothing stored', async () => {
    const input = service('default', 'isolated');
    const created = await api.create(input);
    (input.spec as { clusterIP: string }).clusterIP = 'mutated-input';
    (created.spec as { clusterIP: string }).clusterIP = 'mutated-output';
    (api.get('Service', 'default', 'isolated')?.spec as { clusterIP: string }).clusterIP = 'mutated-get';
    expect((api.get('Service', 'default', 'isolated')?.spec as { clusterIP: string }).clusterIP).toBe('10.96.0.1');
  });

  it('unknown paths and methods answer Status 404 / 405', async () => {
    expect((await request(api.url, 'GET', '/api/v1/pods')).body).toMatchObject({ reason: 'NotFound', code: 404 });
    expect((await request(api.url, 'POST', '/api/v1/services', service('default', 'x'))).status).toBe(405);
  });
});
