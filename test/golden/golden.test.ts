// Golden scenarios: each test/golden/<scenario>/ holds input.yaml (or input.json), optional `flags`
// (one kpx render flag per line), and the reviewed output of `kpx render` per mode.
// The output is produced through the CLI entry point itself, so a golden is exactly
// what a user sees. Rewritten only by `npm run golden:update` (KPX_UPDATE_GOLDEN=1).
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderThroughCli } from '../helpers/render-cli.ts';
import { expectGolden } from '../helpers/expect-golden.ts';
import { checkChains } from '../helpers/check-chains.ts';

const GOLDEN_ROOT = import.meta.dirname;
const MODES = ['iptables'] as const;

const scenarios = readdirSync(GOLDEN_ROOT)
  .filter((name) => statSync(join(GOLDEN_ROOT, name)).isDirectory())
  .sort();

function inputFile(dir: string): string {
  const json = join(dir, 'input.json');
  return existsSync(json) ? json : join(dir, 'input.yaml');
}

function readFlags(dir: string): string[] {
  const path = join(dir, 'flags');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe.each(scenarios)('golden %s', (scenario) => {
  const dir = join(GOLDEN_ROOT, scenario);

  it.each(MODES)('%s', async (mode) => {
    const result = await renderThroughCli(['--mode', mode, '-f', inputFile(dir), ...readFlags(dir)]);
    expectGolden(join(dir, `${mode}.rules`), result.stdout);
    expectGolden(join(dir, `${mode}.problems.txt`), `exit status ${result.exitCode}\n${result.stderr}`);
    expect(result.exitCode === 0 || result.exitCode === 1, result.stderr).toBe(true);
    if (mode === 'iptables') expect(checkChains(result.stdout)).toEqual([]);
  });
});

it('has at least 20 scenarios', () => {
  expect(scenarios.length).toBeGreaterThanOrEqual(20);
});
