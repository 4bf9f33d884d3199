// GET on a collection: resourceVersion semantics, limit/continue paging over keys in etcd
// order, label and field selectors, one namespace or all.
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { matchesFieldSelector } from './field-selector.ts';
import { matchesLabelSelector } from './label-selector.ts';
import type { ListOptions } from './list-options.ts';
import { isJsonObject, omitKeys, type JsonObject } from './patch/json-value.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import type { ObjectStore, ResourceView } from './store.ts';
import { ApiStatusError, badRequest, expired, failure } from './status.ts';

const LIST_TOO_OLD = 'The resourceVersion for the provided list is too old.';
const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the ' +
  'continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing ' +
  'with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the ' +
  'time the first chunk was returned and now may show up in the list.';

export interface ListScope {
  readonly info: ResourceInfo;
  /** undefined = all namespaces (or a cluster-scoped resource). */
  readonly namespace: string | undefined;
}

export function tooLargeResourceVersion(requested: number, current: number): ApiStatusError {
  return new ApiStatusError(
    failure(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
    }),
  );
}

export function matchesScope(scope: ListScope, options: ListOptions, object: JsonObject): boolean {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  if (scope.namespace !== undefined && scope.info.namespaced && metadata.namespace !== scope.namespace) return false;
  const labels = isJsonObject(metadata.labels) ? metadata.labels : undefined;
  return matchesLabelSelector(options.labelSelector, labels) && matchesFieldSelector(options.fieldSelector, object);
}

interface ListPlan {
  readonly view: ResourceView;
  readonly paged: boolean;
  /** Relative to the list prefix; '' = from the start. */
  readonly startKey: string;
}

function viewOrExpired(store: ObjectStore, info: ResourceInfo, resourceVersion: number): ResourceView {
  const view = store.viewAt(info, resourceVersion);
  if (view === 'expired') throw expired(LIST_TOO_OLD);
  return view;
}

function planFromContinue(store: ObjectStore, scope: ListScope, options: ListOptions): ListPlan {
  if (options.resourceVersion !== '' && options.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
  const position = decodeContinue(options.continueToken);
  if (typeof position === 'string') throw badRequest(`invalid continue token: ${position}`);
  const resourceVersion = position.resourceVersion === -1 ? store.resourceVersion : position.resourceVersion;
  const view = store.viewAt(scope.info, resourceVersion);
  if (view === 'expired') throw expired(INCONSISTENT_CONTINUE, encodeContinue({ resourceVersion: -1, startKey: position.startKey }));
  return { view, paged: true, startKey: position.startKey };
}

function planList(store: ObjectStore, scope: ListScope, options: ListOptions): ListPlan {
  if (options.continueToken !== '') return planFromContinue(store, scope, options);
  const current = store.resourceVersion;
  if (options.resourceVersion === '') return { view: viewOrExpired(store, scope.info, current), paged: true, startKey: '' };
  if (options.resourceVersion === '0') return { view: viewOrExpired(store, scope.info, current), paged: false, startKey: '' };
  const requested = Number(options.resourceVersion);
  if (requested > current) throw tooLargeResourceVersion(requested, current);
  const exact = options.resourceVersionMatch === 'Exact' || (options.resourceVersionMatch === '' && options.limit > 0);
  return { view: viewOrExpired(store, scope.info, exact ? requested : current), paged: true, startKey: '' };
}

function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((keys[middle] as string) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** An item as lists carry it: without kind and apiVersion, as upstream serializes typed lists. */
function listItem(object: JsonObject): JsonObject {
  return omitKeys(object, ['kind', 'apiVersion']);
}

export function listObjects(store: ObjectStore, scope: ListScope, options: ListOptions): JsonObject {
  const plan = planList(store, scope, options);
  const prefix = scope.info.namespaced && scope.namespace !== undefined ? `${scope.namespace}/` : '';
  const keys = plan.view.keys;
  const end = prefix === '' ? keys.length : lowerBound(keys, `${prefix}\uffff`);
  let index = lowerBound(keys, prefix + plan.startKey);
  const limit = plan.paged && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
  const items: JsonObject[] = [];
  let lastKey = '';
  for (; index < end && items.length < limit; index += 1) {
    const key = keys[index] as string;
    const object = plan.view.get(key);
    if (object !== undefined && matchesScope(scope, options, object)) {
      items.push(listItem(object));
      lastKey = key;
    }
  }
  const metadata: JsonObject = { resourceVersion: String(plan.view.resourceVersion) };
  if (index < end && items.length >= limit) {
    metadata.continue = encodeContinue({ resourceVersion: plan.view.resourceVersion, startKey: `${lastKey.slice(prefix.length)}\u0000` });
    if (options.labelSelector.length === 0 && options.fieldSelector.length === 0) metadata.remainingItemCount = end - index;
  }
  return { kind: `${scope.info.kind}List`, apiVersion: apiVersionOf(scope.info), metadata, items };
}
