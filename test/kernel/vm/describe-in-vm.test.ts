// The CI policy of describeInVm, through a real child vitest: a VM that cannot
// run is a skip (with the reason) locally and a failure (with the reason) in CI.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PINNED_NODE, REPO_ROOT } from '@kpx/vm/paths.ts';

const FIXTURE = 'test/kernel/vm/fixtures/missing-module.vm-test.ts';

async function runFixture(ci: string | undefined) {
  const env: Record<string, string | undefined> = { ...process.env, CI: ci, NO_COLOR: '1', FORCE_COLOR: '0' };
  if (ci === undefined) delete env.CI;
  const result = await execa(PINNED_NODE, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/kernel/vitest.guest.config.ts', FIXTURE], {
    cwd: REPO_ROOT,
    env,
    extendEnv: false,
    reject: false,
    all: true,
  });
  return { exitCode: result.exitCode, output: String(result.all) };
}

describe('describeInVm when the VM cannot run', () => {
  it('fails with the reason under CI=true', async () => {
    const { exitCode, output } = await runFixture('true');
    expect(exitCode, output).toBe(1);
    expect(output).toContain('kernel VM unavailable in CI:');
    expect(output).toMatch(/kpx_no_such_module|the kernel VM needs these host tools/);
  });

  it('skips with the reason elsewhere', async () => {
    const { exitCode, output } = await runFixture(undefined);
    expect(exitCode, output).toBe(0);
    expect(output).toMatch(/skipping "needs a module that does not exist": .*(kpx_no_such_module|host tools)/);
    expect(output).toMatch(/1 skipped/);
  });
});
