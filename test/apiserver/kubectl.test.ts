// The real kubectl (v1.32) against the embedded server: apply, get, delete, get --watch.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { ApiServerHandle } from '@kpx/apiserver/types.ts';

const KUBECTL = '/usr/bin/kubectl';

const manifest = (targetPort: number): string => `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: ${targetPort}, protocol: TCP}
  - {name: https, port: 443, targetPort: 8443, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.0.0.1]
  conditions: {ready: true}
ports:
- {name: http, port: ${targetPort}, protocol: TCP}
`;

describe.skipIf(!existsSync(KUBECTL))('kubectl against the embedded API server', () => {
  let api: ApiServerHandle;
  let dir: string;
  const kubectl = async (...args: string[]): Promise<string> => {
    const result = await execa(KUBECTL, ['--server', api.url, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { KUBECONFIG: join(dir, 'no-kubeconfig') },
      reject: false,
    });
    if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpx-kubectl-'));
    api = await startApiServer();
  });
  afterAll(async () => {
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('apply creates, reapplies unchanged, then configures a change through a strategic merge patch', async () => {
    const file = join(dir, 'web.yaml');
    await writeFile(file, manifest(8080));
    expect(await kubectl('apply', '-f', file)).toBe('service/web created\nendpointslice.discovery.k8s.io/web-abc created');
    expect(await kubectl('apply', '-f', file)).toBe('service/web unchanged\nendpointslice.discovery.k8s.io/web-abc unchanged');
    const before = api.get('Service', 'default', 'web');
    await writeFile(file, manifest(9090));
    expect(await kubectl('apply', '-f', file)).toBe('service/web configured\nendpointslice.discovery.k8s.io/web-abc configured');
    const after = api.get('Service', 'default', 'web');
    expect((after?.spec as { ports: unknown }).ports).toEqual([
      { name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
    ]);
    expect((after?.metadata as { uid: string }).uid).toBe((before?.metadata as { uid: string }).uid);
    expect(Number((after?.metadata as { resourceVersion: string }).resourceVersion)).toBeGreaterThan(
      Number((before?.metadata as { resourceVersion: string }).resourceVersion),
    );
  });

  it('apply removes a port and a label dropped from the manifest ($setElementOrder, $patch: delete, null)', async () => {
    const file = join(dir, 'shrink.yaml');
    const shrunk = manifest(9090).replace('  labels: {app: web}\n', '').replace('  - {name: https, port: 443, targetPort: 8443, protocol: TCP}\n', '');
    await writeFile(file, shrunk);
    expect(await kubectl('apply', '-f', file)).toBe('service/web configured\nendpointslice.discovery.k8s.io/web-abc unchanged');
    const after = api.get('Service', 'default', 'web');
    expect((after?.spec as { ports: unknown }).ports).toEqual([{ name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' }]);
    expect((after?.metadata as { labels?: unknown }).labels).toBeUndefined();
    await writeFile(file, manifest(9090));
    expect(await kubectl('apply', '-f', file)).toBe('service/web configured\nendpointslice.discovery.k8s.io/web-abc unchanged');
  });

  it('get svc -A -o yaml returns the stored objects', async () => {
    const list = parseYaml(await kubectl('get', 'svc', '-A', '-o', 'yaml')) as { kind: string; items: Record<string, unknown>[] };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
    const stored = api.get('Service', 'default', 'web');
    expect(list.items[0]).toEqual(stored);
  });

  it('get prints the server-side Table columns kubectl users know', async () => {
    // The AGE cell varies with time and its width with it: replace it and its padding.
    const ageless = (out: string): string => out.replace(/ +\d+s( +|$)/gm, (_match, after: string) => (after === '' ? ' AGE' : ' AGE '));
    expect(ageless(await kubectl('get', 'svc,endpointslices', '-A'))).toBe(
      [
        'NAMESPACE   NAME          TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)          AGE',
        'default     service/web   ClusterIP   10.96.0.10   <none>        80/TCP,443/TCP AGE',
        '',
        'NAMESPACE   NAME                                     ADDRESSTYPE   PORTS   ENDPOINTS   AGE',
        'default     endpointslice.discovery.k8s.io/web-abc   IPv4          9090    10.0.0.1 AGE',
      ].join('\n'),
    );
    expect(ageless(await kubectl('get', 'svc', 'web', '-o', 'wide'))).toBe(
      [
        'NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)          AGE   SELECTOR',
        'web    ClusterIP   10.96.0.10   <none>        80/TCP,443/TCP AGE app=web',
      ].join('\n'),
    );
  });

  it('get endpointslices by name and by label', async () => {
    expect(await kubectl('get', 'endpointslices', '-o', 'name')).toBe('endpointslice.discovery.k8s.io/web-abc');
    const slice = JSON.parse(await kubectl('get', 'endpointslice', 'web-abc', '-o', 'json')) as Record<string, unknown>;
    expect(slice).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], metadata: { generation: 2 } });
    expect(await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=nope', '-o', 'name')).toBe('');
  });

  const watchLines = async (args: readonly string[], act: () => Promise<void>, count: number): Promise<string[]> => {
    // The server may not have seen an earlier killed kubectl go yet: start from no open watch.
    for (let i = 0; i < 600 && api.openWatchCount() > 0; i += 1) await new Promise((r) => setTimeout(r, 25));
    const child = spawn(KUBECTL, ['--server', api.url, '--cache-dir', join(dir, 'cache'), ...args], { env: { KUBECONFIG: join(dir, 'no-kubeconfig') } });
    try {
      let out = '';
      const lines = (): string[] => out.split('\n').filter((l) => l !== '');
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      for (let i = 0; i < 600 && api.openWatchCount() === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
      await act();
      for (let i = 0; i < 600 && lines().length < count; i += 1) await new Promise((r) => setTimeout(r, 25));
      return lines();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };

  it('get --watch -o name prints the events it receives', async () => {
    const lines = await watchLines(
      ['get', 'svc', '--watch', '-o', 'name'],
      async () => {
        await api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'second', namespace: 'default' }, spec: {} });
        await api.remove('Service', 'default', 'second');
      },
      3,
    );
    expect(lines).toEqual(['service/web', 'service/second', 'service/second']);
  });

  it('get --watch prints Table rows for each event', async () => {
    const lines = await watchLines(
      ['get', 'endpointslices', '--watch'],
      async () => {
        await api.create({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'extra', namespace: 'default' },
          addressType: 'IPv4',
          endpoints: [],
        });
      },
      3,
    );
    expect(lines.map((l) => l.replace(/ +\d+s$/, ' AGE').replace(/ +/g, ' '))).toEqual([
      'NAME ADDRESSTYPE PORTS ENDPOINTS AGE',
      'web-abc IPv4 9090 10.0.0.1 AGE',
      'extra IPv4 <unset> <unset> AGE',
    ]);
    await api.remove('EndpointSlice', 'default', 'extra');
  });

  it('typed create commands (sent as protobuf) create defaulted objects', async () => {
    expect(await kubectl('create', 'namespace', 'demo')).toBe('namespace/demo created');
    expect(await kubectl('-n', 'demo', 'create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080')).toBe('service/np created');
    expect(api.get('Namespace', '', 'demo')).toMatchObject({ spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    expect(api.get('Service', 'demo', 'np')).toMatchObject({
      metadata: { name: 'np', namespace: 'demo', labels: { app: 'np' } },
      spec: {
        type: 'NodePort',
        selector: { app: 'np' },
        clusterIP: '10.96.0.11',
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }],
      },
    });
    expect(await kubectl('delete', 'namespace', 'demo')).toBe('namespace "demo" deleted');
    expect(api.get('Service', 'demo', 'np')).toBeUndefined();
  });

  it('delete removes the objects', async () => {
    expect(await kubectl('delete', 'svc', 'web')).toBe('service "web" deleted');
    expect(await kubectl('delete', '-n', 'default', 'endpointslice', 'web-abc')).toBe('endpointslice.discovery.k8s.io "web-abc" deleted');
    expect(api.get('Service', 'default', 'web')).toBeUndefined();
    const missing = await execa(KUBECTL, ['--server', api.url, '--cache-dir', join(dir, 'cache'), 'get', 'svc', 'web'], {
      env: { KUBECONFIG: join(dir, 'x') },
      reject: false,
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): services "web" not found');
  });
});
