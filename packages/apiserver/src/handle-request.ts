// One HTTP request: route, then discovery, list, watch or an object operation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AGGREGATED_DISCOVERY_TYPE,
  aggregatedDocument,
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
  SERVER_VERSION,
  wantsAggregated,
} from './discovery.ts';
import { parseBody, readBody, sendJson } from './http-io.ts';
import { listObjects, matchesScope, type ListScope } from './list.ts';
import { parseListOptions } from './list-options.ts';
import { openApiGroupVersionDocument, openApiRootDocument } from './openapi.ts';
import { createObject, deleteObject, getObject, patchObject, updateObject, type OperationContext, type WriteOptions } from './object-operations.ts';
import { patchTypeOf } from './patch/apply-patch-body.ts';
import type { JsonObject } from './patch/json-value.ts';
import { apiVersionOf } from './resources.ts';
import { routeFor, type Route } from './router.ts';
import { includeObjectOf, toTable, wantsTable } from './table.ts';
import { methodNotAllowed, pathNotFound, unsupportedMediaType } from './status.ts';
import { openWatch, type Watcher, type WatchSettings } from './watch.ts';

export interface RequestContext extends OperationContext {
  readonly serverAddress: () => string;
  readonly watchSettings: WatchSettings;
  /** Registers an open watch; returns its unregister function. Stalled watches are held, not started. */
  readonly registerWatch: (watcher: Watcher) => () => void;
  readonly isWatchStalled: () => boolean;
  readonly holdStalled: (response: ServerResponse) => void;
}

type ResourceRoute = Extract<Route, { type: 'resource' }>;

function handleDiscovery(context: RequestContext, route: Route, request: IncomingMessage, response: ServerResponse): boolean {
  const aggregated = wantsAggregated(request.headers.accept);
  switch (route.type) {
    case 'version':
      sendJson(response, 200, SERVER_VERSION);
      return true;
    case 'health':
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return true;
    case 'legacy-root':
      if (aggregated) sendJson(response, 200, aggregatedDocument(true), AGGREGATED_DISCOVERY_TYPE);
      else sendJson(response, 200, apiVersionsDocument(context.serverAddress()));
      return true;
    case 'groups-root':
      if (aggregated) sendJson(response, 200, aggregatedDocument(false), AGGREGATED_DISCOVERY_TYPE);
      else sendJson(response, 200, apiGroupListDocument());
      return true;
    case 'group': {
      const document = apiGroupDocument(route.group);
      if (document === undefined) throw pathNotFound();
      sendJson(response, 200, document);
      return true;
    }
    case 'group-version': {
      const document = apiResourceListDocument(route.group, route.version);
      if (document === undefined) throw pathNotFound();
      sendJson(response, 200, document);
      return true;
    }
    default:
      return false;
  }
}

function writeOptions(query: URLSearchParams): WriteOptions {
  return { dryRun: query.getAll('dryRun').includes('All'), direct: false };
}

function withTypeMeta(route: ResourceRoute, object: JsonObject): JsonObject {
  return { kind: route.info.kind, apiVersion: apiVersionOf(route.info), ...object };
}

function handleCollectionGet(context: RequestContext, route: ResourceRoute, request: IncomingMessage, query: URLSearchParams, response: ServerResponse): void {
  const scope: ListScope = { info: route.info, namespace: route.namespace };
  const options = parseListOptions(route.info, query);
  const asTable = wantsTable(request.headers.accept);
  const include = includeObjectOf(query);
  if (!options.watch) {
    const list = listObjects(context.store, scope, options);
    if (!asTable) return sendJson(response, 200, list);
    const items = (list.items as JsonObject[]).map((item) => withTypeMeta(route, item));
    return sendJson(response, 200, toTable(route.info.kind, items, list.metadata as JsonObject, include, context.now().getTime()));
  }
  if (context.isWatchStalled()) {
    context.holdStalled(response);
    return;
  }
  const encode = asTable ? (object: JsonObject) => toTable(route.info.kind, [object], {}, include, context.now().getTime()) : undefined;
  openWatch(context.store, response, scope, options, context.watchSettings, context.registerWatch, encode);
}

function deleteCollection(context: RequestContext, route: ResourceRoute, query: URLSearchParams, response: ServerResponse): void {
  const scope: ListScope = { info: route.info, namespace: route.namespace };
  const options = parseListOptions(route.info, query);
  const items: JsonObject[] = [];
  for (const object of context.store.objects(route.info)) {
    if (!matchesScope(scope, options, object)) continue;
    const metadata = object.metadata as JsonObject;
    deleteObject(context, { info: route.info, namespace: String(metadata.namespace ?? ''), name: String(metadata.name) }, undefined, writeOptions(query));
    items.push(object);
  }
  sendJson(response, 200, {
    kind: `${route.info.kind}List`,
    apiVersion: route.info.group === '' ? 'v1' : `${route.info.group}/${route.info.version}`,
    metadata: {},
    items,
  });
}

async function handleResource(
  context: RequestContext,
  route: ResourceRoute,
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const method = request.method ?? 'GET';
  const allNamespaces = route.info.namespaced && route.namespace === undefined;
  if (route.subresource !== undefined && (route.subresource !== 'status' || !['GET', 'PUT', 'PATCH'].includes(method))) throw pathNotFound();
  if (route.name === undefined) {
    if (method === 'GET') return handleCollectionGet(context, route, request, query, response);
    if (allNamespaces) throw methodNotAllowed();
    if (method === 'POST') {
      const body = parseBody(await readBody(request), request.headers['content-type']);
      return sendJson(response, 201, createObject(context, route.info, route.namespace ?? '', body, writeOptions(query)));
    }
    if (method === 'DELETE') return deleteCollection(context, route, query, response);
    throw methodNotAllowed();
  }
  const target = { info: route.info, namespace: route.namespace ?? '', name: route.name, subresource: route.subresource };
  switch (method) {
    case 'GET': {
      const object = getObject(context, route.info, target.namespace, route.name);
      if (!wantsTable(request.headers.accept)) return sendJson(response, 200, object);
      const metadata = { resourceVersion: String((object.metadata as JsonObject).resourceVersion ?? '') };
      return sendJson(response, 200, toTable(route.info.kind, [object], metadata, includeObjectOf(query), context.now().getTime()));
    }
    case 'PUT': {
      const body = parseBody(await readBody(request), request.headers['content-type']);
      const result = updateObject(context, target, body, writeOptions(query));
      return sendJson(response, result.created ? 201 : 200, result.object);
    }
    case 'PATCH': {
      const type = patchTypeOf(request.headers['content-type']);
      if (type === undefined) throw unsupportedMediaType(request.headers['content-type'] ?? '');
      const text = (await readBody(request)).toString('utf8');
      const result = patchObject(context, target, { type, text, fieldManager: query.get('fieldManager') ?? undefined }, writeOptions(query));
      return sendJson(response, result.created ? 201 : 200, result.object);
    }
    case 'DELETE': {
      const body = parseBody(await readBody(request), request.headers['content-type']) as Parameters<typeof deleteObject>[2];
      return sendJson(response, 200, deleteObject(context, target, body, writeOptions(query)));
    }
    default:
      throw methodNotAllowed();
  }
}

export async function handleRequest(context: RequestContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const route = routeFor(url.pathname);
  if (route.type === 'not-found') throw pathNotFound();
  if (route.type === 'openapi') {
    const document = route.path === 'v3' ? openApiRootDocument() : route.path.startsWith('v3/') ? openApiGroupVersionDocument(route.path.slice(3)) : undefined;
    if (document === undefined) throw pathNotFound();
    sendJson(response, 200, document);
    return;
  }
  if (route.type !== 'resource') {
    if (request.method !== 'GET') throw methodNotAllowed();
    handleDiscovery(context, route, request, response);
    return;
  }
  await handleResource(context, route, request, response, url.searchParams);
}
