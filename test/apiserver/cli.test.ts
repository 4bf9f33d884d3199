// `kpx apiserver` as a user runs it: seeded from a file, serving until SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const KPX = join(import.meta.dirname, '../../bin/kpx.mjs');

describe('kpx apiserver', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpx-apiserver-cli-'));
    await writeFile(
      join(dir, 'seed.yaml'),
      'apiVersion: v1\nkind: ServiceList\nitems:\n- metadata: {name: seeded, namespace: demo}\n  spec: {clusterIP: 10.96.0.5}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n',
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('serves the seed, prints the kubectl line, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [KPX, 'apiserver', '--listen', '127.0.0.1:0', '-f', join(dir, 'seed.yaml')]);
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      for (let i = 0; i < 600 && !out.includes('kubectl --server'); i += 1) await new Promise((r) => setTimeout(r, 25));
      const url = /kubectl --server (http:\/\/127\.0\.0\.1:\d+) /.exec(out)?.[1];
      expect(url).toBeDefined();
      expect(err).toContain('skipping v1 Pod: not served');
      const list = (await (await fetch(`${url}/api/v1/namespaces/demo/services`)).json()) as { items: { metadata: { name: string } }[] };
      expect(list.items.map((s) => s.metadata.name)).toEqual(['seeded']);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it.each([
    [['--listen', 'localhost'], 2, /--listen wants HOST:PORT/],
    [['--history', 'lots'], 2, /--history wants a non-negative integer/],
    [['-f', '/nonexistent/seed.yaml'], 3, /no such file or directory/],
  ])('%j exits %i', async (args, code, message) => {
    const result = await execa(process.execPath, [KPX, 'apiserver', ...args], { reject: false, timeout: 10_000 });
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});
