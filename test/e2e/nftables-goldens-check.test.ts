// Every nftables golden through nft's own parser and the kernel's validation (`nft --check`),
// in a throwaway network namespace: a golden is loadable as it stands. Needs root and nft.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { uniquePrefix } from '../helpers/topology.ts';

const GOLDEN_ROOT = join(import.meta.dirname, '..', 'golden');
const isRoot = process.getuid?.() === 0;
const hasNft = (await realExec({ file: 'nft', args: ['--version'] }).catch(() => undefined))?.exitCode === 0;
const goldens = readdirSync(GOLDEN_ROOT)
  .filter((name) => existsSync(join(GOLDEN_ROOT, name, 'nftables.rules')))
  .sort();

describe.skipIf(!isRoot || !hasNft)('nftables goldens load with nft --check', () => {
  const netns = `${uniquePrefix('kpxnc')}-check`;
  beforeAll(async () => addNetns(realExec, netns));
  afterAll(async () => deleteNetns(realExec, netns));

  it('has a golden per scenario', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(20);
  });

  it.each(goldens)('%s', async (scenario) => {
    const text = readFileSync(join(GOLDEN_ROOT, scenario, 'nftables.rules'), 'utf8');
    const result = await execInNetns(realExec, netns)({ file: 'nft', args: ['--check', '-f', '-'], stdin: text });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
