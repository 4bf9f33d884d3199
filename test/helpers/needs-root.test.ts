import { describe, expect, it } from 'vitest';
import { isCi, planSuite, rootMissingReason } from './needs-root.ts';

describe('planSuite', () => {
  it('runs a suite whose prerequisite is met, in CI or not', () => {
    expect(planSuite(undefined, false)).toEqual({ kind: 'run' });
    expect(planSuite(undefined, true)).toEqual({ kind: 'run' });
  });

  it('skips with the reason locally and fails with it in CI', () => {
    expect(planSuite('needs root (running as uid 1000)', false)).toEqual({ kind: 'skip', reason: 'needs root (running as uid 1000)' });
    expect(planSuite('needs root (running as uid 1000)', true)).toEqual({ kind: 'fail', reason: 'needs root (running as uid 1000)' });
  });
});

describe('rootMissingReason', () => {
  it('is undefined for uid 0 and names any other uid', () => {
    expect(rootMissingReason(0)).toBeUndefined();
    expect(rootMissingReason(1000)).toBe('needs root (running as uid 1000)');
  });
});

describe('isCi', () => {
  it.each([
    [{}, false],
    [{ CI: '' }, false],
    [{ CI: '0' }, false],
    [{ CI: 'false' }, false],
    [{ CI: 'FALSE' }, false],
    [{ CI: 'true' }, true],
    [{ CI: '1' }, true],
  ])('%o → %s', (env, expected) => {
    expect(isCi(env)).toBe(expected);
  });
});
