// startApiServer: the embedded Kubernetes API server over node:http, its fault switches,
// and a programmatic handle whose writes go straight to the store.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { KpxError } from '@kpx/agent/errors.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { handleRequest, type RequestContext } from './handle-request.ts';
import { sendJson } from './http-io.ts';
import { canonicalObject, nameOf, namespaceOf } from './object-meta.ts';
import { createObject, deleteObject, updateObject, type OperationContext } from './object-operations.ts';
import { isJsonObject, type JsonObject } from './patch/json-value.ts';
import { findResourceForObject, RESOURCES, type ResourceInfo } from './resources.ts';
import { expandLists } from './seed.ts';
import { DEFAULT_SERVICE_CIDR } from './service-defaults.ts';
import { ApiStatusError, failure, injectedFailure } from './status.ts';
import { DEFAULT_HISTORY_LIMIT, ObjectStore, objectKey } from './store.ts';
import type { ApiServerFaults, ApiServerHandle, ApiServerOptions, ServedKind } from './types.ts';
import type { Watcher } from './watch.ts';

const DIRECT = { dryRun: false, direct: true } as const;
const DEFAULT_BOOKMARK_INTERVAL_MS = 60_000;
const MIN_REQUEST_TIMEOUT_MS = 1_800_000;

function resourceForKind(kind: ServedKind): ResourceInfo {
  const info = RESOURCES.find((r) => r.kind === kind);
  if (info === undefined) throw new KpxError('KPX_ERR_INPUT', `the embedded API server does not serve kind ${kind}`);
  return info;
}

function resourceForObject(object: RawObject): ResourceInfo {
  const info = findResourceForObject(object.apiVersion, object.kind);
  if (info === undefined) {
    throw new KpxError('KPX_ERR_INPUT', `the embedded API server does not serve ${String(object.apiVersion)} ${String(object.kind)}`, {
      context: { apiVersion: object.apiVersion, kind: object.kind, name: isJsonObject(object.metadata) ? object.metadata.name : undefined },
    });
  }
  return info;
}

/** Runs a store operation for the handle, turning a refusal into a KpxError. */
function direct<T>(what: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof ApiStatusError) {
      throw new KpxError('KPX_ERR_INPUT', `${what}: ${error.message}`, { cause: error, context: { code: error.status.code, reason: error.status.reason } });
    }
    throw error;
  }
}

class EmbeddedApiServer {
  readonly store: ObjectStore;
  private readonly options: ApiServerOptions;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private readonly stalled = new Set<ServerResponse>();
  private failStatus: number | undefined;
  private isStalled = false;
  private boundPort = 0;
  readonly operations: OperationContext;
  private readonly context: RequestContext;

  constructor(options: ApiServerOptions) {
    this.options = options;
    this.store = new ObjectStore(options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.operations = { store: this.store, now: () => new Date(), serviceCIDR: options.serviceClusterIPRange ?? DEFAULT_SERVICE_CIDR };
    this.context = {
      ...this.operations,
      serverAddress: () => `${options.host ?? '127.0.0.1'}:${this.boundPort}`,
      watchSettings: {
        bookmarkIntervalMs: options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS,
        defaultTimeoutMs: () => MIN_REQUEST_TIMEOUT_MS * (1 + Math.random()),
      },
      registerWatch: (watcher) => {
        this.watchers.add(watcher);
        return () => this.watchers.delete(watcher);
      },
      isWatchStalled: () => this.isStalled,
      holdStalled: (response) => {
        this.stalled.add(response);
        response.on('close', () => this.stalled.delete(response));
      },
    };
    this.server = createServer((request, response) => this.serve(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private serve(request: Parameters<typeof handleRequest>[1], response: ServerResponse): void {
    const log = this.options.logger ?? silentLogger();
    log.debug({ method: request.method, url: request.url }, 'apiserver request');
    if (this.failStatus !== undefined) {
      sendJson(response, this.failStatus, injectedFailure(this.failStatus));
      return;
    }
    handleRequest(this.context, request, response).catch((error: unknown) => {
      const status = error instanceof ApiStatusError ? error.status : failure(500, 'InternalError', `Internal error occurred: ${String(error)}`);
      if (!(error instanceof ApiStatusError)) log.error({ err: error, url: request.url }, 'apiserver request failed');
      if (response.headersSent) response.destroy();
      else sendJson(response, status.code, status);
    });
  }

  seed(objects: readonly RawObject[]): void {
    for (const object of expandLists(objects)) {
      const info = resourceForObject(object);
      direct(`seeding ${info.kind} ${nameOf(object)}`, () => createObject(this.operations, info, namespaceOf(object), object, DIRECT));
    }
    this.store.forgetHistory();
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new KpxError('KPX_ERR_UNSUPPORTED', 'the API server did not get a TCP address');
    this.boundPort = address.port;
  }

  get port(): number {
    return this.boundPort;
  }

  async stop(): Promise<void> {
    for (const watcher of [...this.watchers]) watcher.reset();
    for (const response of [...this.stalled]) response.destroy();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** A restarted API server's watch cache starts at the current version: older versions get 410. */
  async restart(): Promise<void> {
    await this.stop();
    this.store.forgetHistory();
    await this.listen(this.boundPort);
  }

  openWatchCount(): number {
    return this.watchers.size + this.stalled.size;
  }

  readonly faults: ApiServerFaults = {
    dropWatches: () => {
      for (const watcher of [...this.watchers]) watcher.end();
      for (const response of [...this.stalled]) response.destroy();
    },
    failRequests: (status) => {
      this.failStatus = status;
    },
    stallWatches: (stalled) => {
      this.isStalled = stalled;
    },
    expireHistory: () => this.store.expireEveryVersion(),
    injectRaw: (text) => {
      for (const watcher of this.watchers) watcher.writeRaw(text);
    },
    resetWatches: () => {
      for (const watcher of [...this.watchers]) watcher.reset();
    },
    freezeWatches: () => {
      for (const watcher of this.watchers) watcher.freeze();
    },
  };
}

const BUILT_IN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function builtInNamespace(name: string): RawObject {
  return { metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

function namespaceFor(info: ResourceInfo, object: RawObject): string {
  return info.namespaced ? namespaceOf(object as JsonObject) || 'default' : '';
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServerHandle> {
  const api = new EmbeddedApiServer(options);
  api.seed([{ apiVersion: 'v1', kind: 'NamespaceList', items: BUILT_IN_NAMESPACES.map(builtInNamespace) }]);
  api.seed(options.seed ?? []);
  await api.listen(options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostInUrl}:${api.port}`,
    port: api.port,
    create: async (object) => {
      const info = resourceForObject(object);
      return structuredClone(
        direct(`creating ${info.kind} ${nameOf(object as JsonObject)}`, () => createObject(api.operations, info, namespaceFor(info, object), object, DIRECT)),
      );
    },
    update: async (object) => {
      const info = resourceForObject(object);
      const namespace = namespaceFor(info, object);
      const name = nameOf(object as JsonObject);
      return structuredClone(
        direct(`updating ${info.kind} ${name}`, () => updateObject(api.operations, { info, namespace, name, subresource: undefined }, object, DIRECT).object),
      );
    },
    remove: async (kind, namespace, name) => {
      const info = resourceForKind(kind);
      direct(`deleting ${kind} ${name}`, () => deleteObject(api.operations, { info, namespace: info.namespaced ? namespace : '', name }, undefined, DIRECT));
    },
    get: (kind, namespace, name) => {
      const info = resourceForKind(kind);
      const object = api.store.get(info, objectKey(info, info.namespaced ? namespace : '', name));
      return object === undefined ? undefined : structuredClone(canonicalObject(object));
    },
    resourceVersion: () => String(api.store.resourceVersion),
    openWatchCount: () => api.openWatchCount(),
    faults: api.faults,
    stop: () => api.stop(),
    restart: () => api.restart(),
  };
}
