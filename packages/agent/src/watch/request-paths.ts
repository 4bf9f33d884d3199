// The URLs of list and watch requests, selectors included. Pure.
import type { ResourceDescriptor } from './list-watch.ts';

function selectorParams(resource: ResourceDescriptor): URLSearchParams {
  const params = new URLSearchParams();
  if (resource.selectors.labelSelector !== undefined) params.set('labelSelector', resource.selectors.labelSelector);
  if (resource.selectors.fieldSelector !== undefined) params.set('fieldSelector', resource.selectors.fieldSelector);
  return params;
}

/** One page of a list: the most recent state (no resourceVersion), `limit` objects, then `continue`. */
export function listPath(resource: ResourceDescriptor, pageSize: number, continueToken: string | undefined): string {
  const params = selectorParams(resource);
  params.set('limit', String(pageSize));
  if (continueToken !== undefined) params.set('continue', continueToken);
  return `${resource.path}?${params.toString()}`;
}

export function watchPath(resource: ResourceDescriptor, resourceVersion: string, timeoutSeconds: number): string {
  const params = selectorParams(resource);
  params.set('watch', '1');
  params.set('resourceVersion', resourceVersion);
  params.set('allowWatchBookmarks', 'true');
  params.set('timeoutSeconds', String(timeoutSeconds));
  return `${resource.path}?${params.toString()}`;
}
