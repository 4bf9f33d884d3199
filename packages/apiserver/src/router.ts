// URL paths to what they address. Pure.
import { findResource, RESOURCES, type ResourceInfo } from './resources.ts';

export type Route =
  | { readonly type: 'version' }
  | { readonly type: 'legacy-root' }
  | { readonly type: 'groups-root' }
  | { readonly type: 'group'; readonly group: string }
  | { readonly type: 'group-version'; readonly group: string; readonly version: string }
  | { readonly type: 'openapi'; readonly path: string }
  | { readonly type: 'health' }
  | {
      readonly type: 'resource';
      readonly info: ResourceInfo;
      /** The namespace in the URL; undefined for cluster-scoped resources and all-namespace lists. */
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly subresource: string | undefined;
    }
  | { readonly type: 'not-found' };

function resourceRoute(group: string, version: string, rest: readonly string[]): Route {
  const [first, second, third, fourth, fifth, ...extra] = rest;
  if (first === undefined) return { type: 'group-version', group, version };
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const namespaced = findResource(group, version, third);
    if (namespaced !== undefined && namespaced.namespaced) {
      if (extra.length > 0) return { type: 'not-found' };
      return { type: 'resource', info: namespaced, namespace: second, name: fourth, subresource: fifth };
    }
  }
  const info = findResource(group, version, first);
  if (info === undefined || fourth !== undefined) return { type: 'not-found' };
  if (info.namespaced && second !== undefined) return { type: 'not-found' };
  return { type: 'resource', info, namespace: undefined, name: second, subresource: third };
}

export function routeFor(pathname: string): Route {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const [root, a, b, ...rest] = segments;
  if (root === 'version' && a === undefined) return { type: 'version' };
  if ((root === 'healthz' || root === 'livez' || root === 'readyz') && a === undefined) return { type: 'health' };
  if (root === 'openapi') return { type: 'openapi', path: segments.slice(1).join('/') };
  if (root === 'api') {
    if (a === undefined) return { type: 'legacy-root' };
    if (a !== 'v1') return { type: 'not-found' };
    return resourceRoute('', 'v1', b === undefined ? [] : [b, ...rest]);
  }
  if (root === 'apis') {
    if (a === undefined) return { type: 'groups-root' };
    if (!RESOURCES.some((r) => r.group === a)) return { type: 'not-found' };
    if (b === undefined) return { type: 'group', group: a };
    if (!RESOURCES.some((r) => r.group === a && r.version === b)) return { type: 'not-found' };
    return resourceRoute(a, b, rest);
  }
  return { type: 'not-found' };
}
