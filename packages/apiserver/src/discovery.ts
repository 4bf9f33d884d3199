// Discovery documents: legacy (/api, /apis, /api/v1, /apis/G, /apis/G/V) and aggregated
// (apidiscovery.k8s.io/v2, which kubectl 1.32 asks for first), plus /version.
import type { JsonObject } from './patch/json-value.ts';
import { hasStatusSubresource } from './strategy.ts';
import { RESOURCES, RESOURCE_VERBS, servedGroupVersions, type ResourceInfo } from './resources.ts';

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export const SERVER_VERSION: JsonObject = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4+kpx',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function verbsOf(info: ResourceInfo): string[] {
  return info.kind === 'Event' || info.kind === 'Namespace'
    ? RESOURCE_VERBS.filter((v) => !(info.kind === 'Namespace' && v === 'deletecollection'))
    : [...RESOURCE_VERBS];
}

function groupVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function groups(): string[] {
  return [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ''))];
}

export function wantsAggregated(accept: string | undefined): boolean {
  return accept !== undefined && /as=APIGroupDiscoveryList/.test(accept) && /v=v2(?![a-z0-9])/.test(accept) && /g=apidiscovery\.k8s\.io/.test(accept);
}

export function apiVersionsDocument(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string): JsonObject {
  const versions = servedGroupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: groupVersionOf(gv.group, gv.version), version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] ?? null };
}

export function apiGroupListDocument(): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

export function apiGroupDocument(group: string): JsonObject | undefined {
  return groups().includes(group) ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) } : undefined;
}

export function apiResourceListDocument(group: string, version: string): JsonObject | undefined {
  const served = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const info of served) {
    resources.push({
      name: info.resource,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: verbsOf(info),
      ...(info.shortNames.length > 0 ? { shortNames: [...info.shortNames] } : {}),
      ...(info.categories.length > 0 ? { categories: [...info.categories] } : {}),
    });
    if (hasStatusSubresource(info)) {
      resources.push({ name: `${info.resource}/status`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionOf(group, version), resources };
}

function aggregatedResource(info: ResourceInfo): JsonObject {
  const responseKind = { group: info.group, version: info.version, kind: info.kind };
  return {
    resource: info.resource,
    responseKind,
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singular,
    verbs: verbsOf(info),
    ...(info.shortNames.length > 0 ? { shortNames: [...info.shortNames] } : {}),
    ...(info.categories.length > 0 ? { categories: [...info.categories] } : {}),
    ...(hasStatusSubresource(info) ? { subresources: [{ subresource: 'status', responseKind, verbs: ['get', 'patch', 'update'] }] } : {}),
  };
}

/** /api (legacy=true) or /apis as an APIGroupDiscoveryList. */
export function aggregatedDocument(legacy: boolean): JsonObject {
  const names = legacy ? [''] : groups();
  const items = names.map((group) => ({
    metadata: { ...(group === '' ? {} : { name: group }), creationTimestamp: null },
    versions: servedGroupVersions()
      .filter((gv) => gv.group === group)
      .map((gv) => ({
        version: gv.version,
        resources: RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version).map(aggregatedResource),
        freshness: 'Current',
      })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
