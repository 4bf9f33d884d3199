// How kpx reaches the API server, from the same three sources kube-proxy accepts:
// --kubeconfig (optionally with --master overriding its server), a bare --master URL,
// or the in-cluster service account. The client library's KubeConfig supplies TLS
// material, client certificates, tokens and exec/auth-provider plugins through
// applyToHTTPSOptions (a bare http --master has none, and goes without it); kpx adds
// what 2.0.1 misses: a kubeconfig user's `tokenFile`
// (the key kubeadm's kube-proxy kubeconfig uses; the library only knows `token-file`
// and reads it once), re-read and trimmed on every connection as client-go does, so a
// rotated projected token is picked up on the next reconnect.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { KpxError } from '../errors.ts';
import { isRecord } from '../model/field-reader.ts';

export interface KubeClientOptions {
  /** --kubeconfig. */
  readonly kubeconfigPath?: string;
  /** --master: alone, or overriding the kubeconfig's server. */
  readonly masterUrl?: string;
  /** Where in-cluster config comes from when neither is given (tests point it elsewhere). */
  readonly inCluster?: { readonly env: Readonly<Record<string, string | undefined>>; readonly serviceAccountDir: string };
  /** Told of every request once its response headers came, or it failed (client-go's rest_client_* metrics). */
  readonly onRequest?: (request: {
    readonly method: string;
    readonly host: string;
    readonly code: number | '<error>';
    readonly durationSeconds: number;
  }) => void;
}

export interface KubeClient {
  /** The API server's base URL. */
  readonly server: string;
  /**
   * Opens a GET of `pathAndQuery` and resolves once the response headers arrive, whatever
   * the status. Aborting `signal` destroys the socket. Rejects with KPX_ERR_WATCH when no
   * response comes (refused, reset, TLS failure).
   */
  get(pathAndQuery: string, signal: AbortSignal): Promise<IncomingMessage>;
  /** Sends `body` as JSON with POST (e.g. creating an Event); resolves like get(). Optional so that scripted clients need not have it. */
  post?(pathAndQuery: string, body: unknown, signal: AbortSignal): Promise<IncomingMessage>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const USER_AGENT = 'kpx/0.1.0 (kube-proxy)';

// @kubernetes/client-node's KubeConfig loads the library's whole generated API, ~850 modules:
// 0.15 s of a start on the host, ~10 s in the kernel VM. A bare http --master (the lab, tests)
// has no TLS or credentials for it to apply, so the library is loaded only when they may exist.
const requireHere = createRequire(import.meta.url);

function newKubeConfig(): KubeConfig {
  const library = requireHere('@kubernetes/client-node') as { KubeConfig: new () => KubeConfig };
  return new library.KubeConfig();
}

interface LoadedConfig {
  readonly server: string;
  /** What applies TLS material and credentials; undefined for a bare http --master, which has none. */
  readonly config: KubeConfig | undefined;
  readonly tokenFile: string | undefined;
}

export function createKubeClient(options: KubeClientOptions): KubeClient {
  const { server, config, tokenFile } = loadKubeConfig(options);
  const send = async (method: 'GET' | 'POST', pathAndQuery: string, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> => {
    const requestOptions: https.RequestOptions = { headers: {} };
    try {
      await config?.applyToHTTPSOptions(requestOptions);
    } catch (error) {
      throw new KpxError('KPX_ERR_CONFIG', 'could not apply the kubeconfig credentials', { cause: error });
    }
    // applyToHTTPSOptions fills the object form of headers started above.
    const applied = requestOptions.headers as http.OutgoingHttpHeaders;
    const headers: http.OutgoingHttpHeaders = { ...applied, Accept: 'application/json', 'User-Agent': USER_AGENT };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (tokenFile !== undefined) headers['Authorization'] = `Bearer ${await readToken(tokenFile)}`;
    const url = new URL(server + pathAndQuery);
    const transport = url.protocol === 'https:' ? https : http;
    const started = performance.now();
    const observe = (code: number | '<error>'): void =>
      options.onRequest?.({ method, host: url.host, code, durationSeconds: (performance.now() - started) / 1000 });
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = transport.request(url, { ...requestOptions, headers, method, signal }, (response) => {
        observe(response.statusCode ?? 0);
        resolve(response);
      });
      request.on('error', (error) => {
        if (!signal.aborted) observe('<error>');
        reject(
          signal.aborted ? error : new KpxError('KPX_ERR_WATCH', 'no response from the API server', { cause: error, context: { server, path: url.pathname } }),
        );
      });
      request.end(body);
    });
  };
  return {
    server,
    get: (pathAndQuery, signal) => send('GET', pathAndQuery, undefined, signal),
    post: (pathAndQuery, body, signal) => send('POST', pathAndQuery, JSON.stringify(body), signal),
  };
}

async function readToken(tokenFile: string): Promise<string> {
  try {
    return (await readFile(tokenFile, 'utf8')).trim();
  } catch (error) {
    throw new KpxError('KPX_ERR_CONFIG', 'could not read the token file', { cause: error, context: { tokenFile } });
  }
}

function loadKubeConfig(options: KubeClientOptions): LoadedConfig {
  if (options.kubeconfigPath !== undefined) return loadFromFile(options.kubeconfigPath, options.masterUrl);
  if (options.masterUrl !== undefined) {
    const server = parseServerUrl(options.masterUrl);
    if (server.startsWith('http:')) return { server, config: undefined, tokenFile: undefined };
    return configFor({ name: 'master', server, skipTLSVerify: false }, { name: 'anonymous' }, undefined);
  }
  return loadInCluster(options.inCluster ?? { env: process.env, serviceAccountDir: SERVICE_ACCOUNT_DIR });
}

function loadFromFile(kubeconfigPath: string, masterUrl: string | undefined): LoadedConfig {
  let text: string;
  const loaded = newKubeConfig();
  try {
    text = readFileSync(kubeconfigPath, 'utf8');
    loaded.loadFromString(text);
    loaded.makePathsAbsolute(path.dirname(kubeconfigPath));
  } catch (error) {
    throw new KpxError('KPX_ERR_CONFIG', 'could not load the kubeconfig', { cause: error, context: { kubeconfigPath } });
  }
  const cluster = loaded.getCurrentCluster();
  const user = loaded.getCurrentUser() ?? { name: 'anonymous' };
  if (cluster === null) throw new KpxError('KPX_ERR_CONFIG', 'the kubeconfig has no current cluster', { context: { kubeconfigPath } });
  const server = parseServerUrl(masterUrl ?? cluster.server);
  const tokenFile = findTokenFile(text, loaded.getCurrentContext());
  return configFor({ ...cluster, server }, user, tokenFile === undefined ? undefined : path.resolve(path.dirname(kubeconfigPath), tokenFile));
}

function loadInCluster(inCluster: NonNullable<KubeClientOptions['inCluster']>): LoadedConfig {
  const host = inCluster.env['KUBERNETES_SERVICE_HOST'];
  const port = inCluster.env['KUBERNETES_SERVICE_PORT'];
  if (host === undefined || host === '' || port === undefined || port === '') {
    throw new KpxError('KPX_ERR_CONFIG', 'no --kubeconfig or --master given and not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)');
  }
  const server = parseServerUrl(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const cluster = { name: 'in-cluster', server, caFile: path.join(inCluster.serviceAccountDir, 'ca.crt'), skipTLSVerify: false };
  return configFor(cluster, { name: 'service-account' }, path.join(inCluster.serviceAccountDir, 'token'));
}

/**
 * The server and a KubeConfig holding exactly this cluster and user. For a plain-http server the
 * library refuses to build an agent unless skipTLSVerify is set, which is moot without
 * TLS, so it is set there (kubectl and kube-proxy accept http servers as they are).
 */
function configFor(cluster: Cluster, user: User, tokenFile: string | undefined): LoadedConfig {
  const config = newKubeConfig();
  const isPlainHttp = cluster.server.startsWith('http:');
  config.loadFromClusterAndUser(isPlainHttp ? { ...cluster, skipTLSVerify: true } : cluster, user);
  return { server: cluster.server, config, tokenFile };
}

function parseServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new KpxError('KPX_ERR_CONFIG', 'the API server URL is not a URL', { cause: error, context: { url: text } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KpxError('KPX_ERR_CONFIG', 'the API server URL must be http or https', { context: { url: text } });
  }
  return text.replace(/\/+$/, '');
}

/** The current context's user's `tokenFile`, which the library does not read. */
export function findTokenFile(kubeconfigText: string, currentContext: string): string | undefined {
  const document: unknown = parseYaml(kubeconfigText);
  if (!isRecord(document)) return undefined;
  const context = findNamed(document['contexts'], currentContext)?.['context'];
  const userName = isRecord(context) ? context['user'] : undefined;
  if (typeof userName !== 'string') return undefined;
  const user = findNamed(document['users'], userName)?.['user'];
  const tokenFile = isRecord(user) ? user['tokenFile'] : undefined;
  return typeof tokenFile === 'string' && tokenFile !== '' ? tokenFile : undefined;
}

function findNamed(list: unknown, name: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const found: unknown = list.find((entry: unknown) => isRecord(entry) && entry['name'] === name);
  return isRecord(found) ? found : undefined;
}
