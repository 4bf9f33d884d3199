// vitest glue for suites that need root (network namespaces, real rules, `kpx run`).
// Without root the suites are skipped with the reason locally, and fail with the
// reason in CI (CI=true): a CI run that silently skipped them would pass untested.
import { describe, it } from 'vitest';

export type SuitePlan = { readonly kind: 'run' } | { readonly kind: 'skip' | 'fail'; readonly reason: string };

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI ?? '';
  return ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** What to do with a suite whose prerequisite is unmet for `unmetReason` (undefined: met). */
export function planSuite(unmetReason: string | undefined, ci: boolean): SuitePlan {
  if (unmetReason === undefined) return { kind: 'run' };
  return { kind: ci ? 'fail' : 'skip', reason: unmetReason };
}

export function rootMissingReason(uid: number | undefined = process.getuid?.()): string | undefined {
  return uid === 0 ? undefined : `needs root (running as uid ${uid ?? 'unknown'})`;
}

/**
 * Call once at a test file's top level: `const describeAsRoot = describeNeedingRoot();`, then
 * `describeAsRoot(name, body)` or `describeAsRoot.each(cases)(name, body)` as with `describe`.
 * Without root it registers one test named for the reason (skipped, or failing under CI) and
 * hands back a `describe` that skips.
 */
export function describeNeedingRoot(): ReturnType<typeof describe.skipIf> {
  const plan = planSuite(rootMissingReason(), isCi());
  if (plan.kind === 'run') return describe.skipIf(false);
  if (plan.kind === 'fail') {
    it(`runs as root: ${plan.reason}`, () => {
      throw new Error(`root-only suites cannot run in CI: ${plan.reason}`);
    });
  } else {
    console.warn(`[root] skipping this file's root-only suites: ${plan.reason}`);
    it.skip(`runs as root (skipped: ${plan.reason})`);
  }
  return describe.skipIf(true);
}
