// The slice of OpenAPI v3 kubectl reads: per group version, the PATCH operations with their
// x-kubernetes-group-version-kind and the fieldValidation parameter, which tells kubectl
// 1.32 that the server validates fields itself (so it needs no client-side schema).
// Schemas are not published: kubectl then computes strategic merge patches from its
// built-in types, as it does against any server whose OpenAPI lacks them.
import type { JsonObject } from './patch/json-value.ts';
import { RESOURCES, servedGroupVersions, type ResourceInfo } from './resources.ts';

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

export function openApiRootDocument(): JsonObject {
  const paths: JsonObject = {};
  for (const { group, version } of servedGroupVersions()) {
    const path = groupVersionPath(group, version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=kpx-${version}` };
  }
  return { paths };
}

const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function objectPath(info: ResourceInfo): string {
  const base = `/${groupVersionPath(info.group, info.version)}`;
  return info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}/{name}` : `${base}/${info.resource}/{name}`;
}

export function openApiGroupVersionDocument(path: string): JsonObject | undefined {
  const served = RESOURCES.filter((r) => groupVersionPath(r.group, r.version) === path);
  if (served.length === 0) return undefined;
  const paths: JsonObject = {};
  for (const info of served) {
    paths[objectPath(info)] = {
      patch: {
        operationId: `patch${info.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: info.group, version: info.version, kind: info.kind },
        parameters: QUERY_PARAMETERS.map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } })),
        requestBody: {
          content: { 'application/json-patch+json': { schema: { type: 'object' } }, 'application/merge-patch+json': { schema: { type: 'object' } } },
        },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4+kpx' }, paths, components: { schemas: {} } };
}
