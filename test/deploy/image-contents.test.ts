// The image cannot be built here (no container engine), so check offline what it will hold:
// the build context .dockerignore lets through, what the Dockerfile copies, and that every
// module the node agent loads from its entry point is in the image and is one of the agent
// workspace's own production dependencies (`npm ci --omit=dev --workspace @kpx/agent`
// installs nothing else): no lab, kernel VM, API server or echarts.
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInBuildContext, parseDockerignore } from './build-context.ts';
import { collectRuntimeImports, packageNameOf } from './runtime-imports.ts';

const ROOT = join(import.meta.dirname, '../..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const patterns = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const trackedFiles = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((line) => line !== '');
const context = new Set(trackedFiles.filter((file) => isInBuildContext(file, patterns)));
const agentPackageJson = JSON.parse(readFileSync(join(ROOT, 'packages/agent/package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};

describe('.dockerignore matching', () => {
  const rules = parseDockerignore('*\n!src/\n**/*.test.ts\n!keep/**/*.test.ts\n');
  it.each([
    ['README.md', false],
    ['src/cli/main.ts', true],
    ['src/cli/main.test.ts', false],
    ['test/deploy/x.ts', false],
    // A later `!` pattern re-includes a file even under a directory an earlier pattern excluded.
    ['keep/a/b.test.ts', true],
    ['keep/a/b.ts', false],
  ])('%s is sent: %s', (path, sent) => {
    expect(isInBuildContext(path, rules)).toBe(sent);
  });
});

describe('the image', () => {
  it('gets only the lock file, the agent package without tests and the Debian package list', () => {
    const outside = [...context].filter(
      (file) =>
        !/^(package\.json|package-lock\.json|packages\/agent\/(package\.json|bin\/.+|src\/.+)|deploy\/debian-packages\.txt|scripts\/debian-packages\.sh)$/.test(
          file,
        ),
    );
    expect(outside).toEqual([]);
    expect([...context].filter((file) => file.endsWith('.test.ts'))).toEqual([]);
    expect(context.has('packages/agent/bin/kpx.mjs')).toBe(true);
    expect(context.has('packages/agent/src/cli/main.ts')).toBe(true);
    for (const other of ['packages/lab/', 'packages/vm/', 'packages/apiserver/', 'bin/kpx.mjs']) {
      expect(
        [...context].filter((file) => file.startsWith(other)),
        other,
      ).toEqual([]);
    }
  });

  it('copies from the build context only what is there', () => {
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((match) => (match[1] ?? '').trim().split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const prefix = source.replace(/\/$/, '');
      expect(
        [...context].some((file) => file === prefix || file.startsWith(`${prefix}/`)),
        source,
      ).toBe(true);
    }
  });

  it('runs node bin/kpx.mjs on the Node 24 slim base, with the kernel tools installed', () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/kpx\.mjs"\]$/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends \$\(bash \/tmp\/kpx-packages\/debian-packages\.sh image\)/);
    const imagePackages = execFileSync('bash', [join(ROOT, 'scripts/debian-packages.sh'), 'image'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(imagePackages).toEqual(expect.arrayContaining(['iptables', 'ipset', 'ipvsadm', 'conntrack', 'iproute2', 'nftables']));
    expect(imagePackages).not.toContain('qemu-system-x86');
  });

  it('holds every module kpx loads, and needs no dev dependency', () => {
    const { files, packages } = collectRuntimeImports(ROOT, 'packages/agent/bin/kpx.mjs');
    expect(files.size).toBeGreaterThan(20);
    expect([...files].filter((file) => !context.has(file))).toEqual([]);
    expect([...files].filter((file) => !file.startsWith('packages/agent/'))).toEqual([]);
    const builtins = new Set(builtinModules);
    const production = new Set(Object.keys(agentPackageJson.dependencies ?? {}));
    expect([...production].filter((name) => name.startsWith('@kpx/') || name === 'echarts')).toEqual([]);
    const missing = [...packages]
      .filter(([specifier]) => !specifier.startsWith('node:') && !builtins.has(specifier) && !production.has(packageNameOf(specifier)))
      .map(([specifier, importer]) => `${specifier} (imported by ${importer})`);
    expect(missing).toEqual([]);
  });
});
