import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asksForVersion, KPX_VERSION, versionText } from './version.ts';

describe('version', () => {
  it("is the agent package's version", () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(KPX_VERSION).toBe(manifest.version);
    expect(versionText()).toMatch(/^kpx v0\.1\.0 \(kube-proxy v1\.34, Node\.js v\d+/);
  });

  it.each([
    [['--version'], true],
    [['run', '--config=x', '--version'], true],
    [['--version=raw'], true],
    [['--version=false'], false],
    [['run', '--', '--version'], false],
    [['run'], false],
  ])('%j asks for the version: %s', (argv, expected) => {
    expect(asksForVersion(argv)).toBe(expected);
  });
});
