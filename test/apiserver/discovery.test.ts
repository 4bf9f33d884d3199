// Discovery documents through plain fetch, legacy and aggregated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';
import { request } from './api-client.ts';

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

describe('discovery', () => {
  let api: ApiServerHandle;

  beforeAll(async () => {
    api = await startApiServer();
  });
  afterAll(async () => api.stop());

  it('legacy /api, /apis and group versions', async () => {
    expect((await request(api.url, 'GET', '/api')).body).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${api.port}` }],
    });
    const groups = (await request(api.url, 'GET', '/apis')).body as { kind: string; groups: { name: string; preferredVersion: unknown }[] };
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.map((g) => [g.name, g.preferredVersion])).toEqual([
      ['discovery.k8s.io', { groupVersion: 'discovery.k8s.io/v1', version: 'v1' }],
      ['events.k8s.io', { groupVersion: 'events.k8s.io/v1', version: 'v1' }],
    ]);
    const core = (await request(api.url, 'GET', '/api/v1')).body as { groupVersion: string; resources: { name: string; namespaced: boolean; kind: string }[] };
    expect(core.groupVersion).toBe('v1');
    expect(core.resources.map((r) => `${r.name}:${r.kind}:${r.namespaced}`)).toEqual([
      'namespaces:Namespace:false',
      'namespaces/status:Namespace:false',
      'services:Service:true',
      'services/status:Service:true',
      'nodes:Node:false',
      'nodes/status:Node:false',
      'events:Event:true',
    ]);
    const slices = (await request(api.url, 'GET', '/apis/discovery.k8s.io/v1')).body as { resources: { name: string; verbs: string[] }[] };
    expect(slices.resources.map((r) => r.name)).toEqual(['endpointslices']);
    expect(slices.resources[0]?.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect((await request(api.url, 'GET', '/apis/discovery.k8s.io')).body).toMatchObject({ kind: 'APIGroup', name: 'discovery.k8s.io' });
    expect((await request(api.url, 'GET', '/apis/apps/v1')).status).toBe(404);
  });

  it('aggregated discovery when asked for it, with its media type', async () => {
    const response = await fetch(`${api.url}/apis`, { headers: { Accept: `${AGGREGATED},application/json` } });
    expect(response.headers.get('content-type')).toBe(AGGREGATED);
    const body = (await response.json()) as {
      kind: string;
      items: { metadata: { name: string }; versions: { resources: { resource: string; scope: string }[] }[] }[];
    };
    expect(body.kind).toBe('APIGroupDiscoveryList');
    expect(body.items.map((i) => i.metadata.name)).toEqual(['discovery.k8s.io', 'events.k8s.io']);
    expect(body.items[0]?.versions[0]?.resources).toMatchObject([{ resource: 'endpointslices', scope: 'Namespaced' }]);
  });

  it('/version and /openapi/v3 (PATCH operations with fieldValidation)', async () => {
    expect((await request(api.url, 'GET', '/version')).body).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.4+kpx' });
    const root = (await request(api.url, 'GET', '/openapi/v3')).body as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(root.paths)).toEqual(['api/v1', 'apis/discovery.k8s.io/v1', 'apis/events.k8s.io/v1']);
    const doc = (await request(api.url, 'GET', root.paths['api/v1']?.serverRelativeURL ?? '')).body as {
      paths: Record<string, { patch: { parameters: { name: string }[] } }>;
    };
    expect(doc.paths['/api/v1/namespaces/{namespace}/services/{name}']?.patch.parameters.map((p) => p.name)).toContain('fieldValidation');
  });
});
