// kube-client against a loopback HTTP server that records what arrives.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKpxError } from '@kpx/agent/errors.ts';
import { createKubeClient, findTokenFile } from '@kpx/agent/watch/kube-client.ts';
import { readBody } from '@kpx/agent/watch/api-response.ts';

let server: http.Server;
let serverUrl: string;
let dir: string;
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kpx-kube-client-'));
  server = http.createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function kubeconfig(user: Record<string, unknown>, server = serverUrl): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server } }],
    users: [{ name: 'kube-proxy', user }],
    contexts: [{ name: 'default', context: { cluster: 'c', user: 'kube-proxy' } }],
    'current-context': 'default',
  });
}

async function getOnce(client: ReturnType<typeof createKubeClient>, pathAndQuery: string): Promise<{ status: number; body: string }> {
  const response = await client.get(pathAndQuery, new AbortController().signal);
  return { status: response.statusCode ?? 0, body: (await readBody(response)).toString() };
}

describe('createKubeClient', () => {
  it('honours a kubeconfig tokenFile relative to the kubeconfig, re-reading it on every request', async () => {
    await writeFile(path.join(dir, 'token'), 'first-token\n');
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfig({ tokenFile: 'token' }));
    const client = createKubeClient({ kubeconfigPath: path.join(dir, 'kubeconfig') });

    expect(await getOnce(client, '/api/v1/services?limit=5')).toEqual({ status: 200, body: '{"ok":true}' });
    await writeFile(path.join(dir, 'token'), 'rotated-token');
    await getOnce(client, '/api/v1/nodes');

    expect(seen.slice(-2).map((request) => [request.url, request.headers.authorization])).toEqual([
      ['/api/v1/services?limit=5', 'Bearer first-token'],
      ['/api/v1/nodes', 'Bearer rotated-token'],
    ]);
  });

  it('sends an inline token, and --master overrides the kubeconfig server', async () => {
    await writeFile(path.join(dir, 'inline'), kubeconfig({ token: 'inline-token' }, 'http://192.0.2.1:1'));
    const client = createKubeClient({ kubeconfigPath: path.join(dir, 'inline'), masterUrl: serverUrl });
    expect(client.server).toBe(serverUrl);
    await getOnce(client, '/api');
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer inline-token');
  });

  it('talks to a bare --master URL without credentials', async () => {
    const client = createKubeClient({ masterUrl: `${serverUrl}/` });
    await getOnce(client, '/version');
    expect(seen.at(-1)?.url).toBe('/version');
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('loads @kubernetes/client-node only when TLS or credentials may apply: not for a bare http --master', () => {
    // A fresh process, since this one has loaded the library already; a module hook sees every load.
    const script = `
      import { registerHooks } from 'node:module';
      let loads = 0;
      registerHooks({ resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        if (resolved.url.includes('/@kubernetes/client-node/')) loads += 1;
        return resolved;
      } });
      const { createKubeClient } = await import(${JSON.stringify(new URL('../../packages/agent/src/watch/kube-client.ts', import.meta.url).href)});
      createKubeClient({ masterUrl: 'http://127.0.0.1:1' });
      const afterHttp = loads;
      createKubeClient({ masterUrl: 'https://127.0.0.1:1' });
      console.log(JSON.stringify({ afterHttp, afterHttps: loads }));
    `;
    const loads = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      afterHttp: number;
      afterHttps: number;
    };
    expect(loads.afterHttp).toBe(0);
    expect(loads.afterHttps).toBeGreaterThan(0);
  });

  it('rejects with KPX_ERR_WATCH when nothing answers', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createKubeClient({ masterUrl: `http://127.0.0.1:${port}` });
    const error: unknown = await client.get('/api', new AbortController().signal).catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_WATCH')).toBe(true);
  });

  it.each([
    [{ masterUrl: 'not a url' }, 'the API server URL is not a URL'],
    [{ masterUrl: 'ftp://example' }, 'the API server URL must be http or https'],
    [{ kubeconfigPath: '/nonexistent/kubeconfig' }, 'could not load the kubeconfig'],
    [{ inCluster: { env: {}, serviceAccountDir: '/nonexistent' } }, 'not running in a cluster'],
  ])('refuses bad configuration %j', (options, message) => {
    expect(() => createKubeClient(options)).toThrow(message);
  });

  it('builds in-cluster config from the environment and the service-account token', async () => {
    await writeFile(path.join(dir, 'token'), 'sa-token');
    const client = createKubeClient({ inCluster: { env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir } });
    expect(client.server).toBe('https://[fd00::1]:443');
  });
});

describe('findTokenFile', () => {
  it('finds the current context user tokenFile only', () => {
    const text = kubeconfig({ tokenFile: '/var/lib/kube-proxy/token' });
    expect(findTokenFile(text, 'default')).toBe('/var/lib/kube-proxy/token');
    expect(findTokenFile(text, 'other')).toBeUndefined();
    expect(findTokenFile(kubeconfig({ token: 'x' }), 'default')).toBeUndefined();
    expect(findTokenFile('- just a list', 'default')).toBeUndefined();
  });
});
