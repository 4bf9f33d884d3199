import { describe, expect, it } from 'vitest';
import { describeJumpRule } from './jump-rule.ts';

describe('describeJumpRule', () => {
  it('quotes arguments with spaces', () => {
    expect(
      describeJumpRule({
        table: 'filter',
        chain: 'FORWARD',
        target: 'KUBE-FORWARD',
        args: ['-m', 'comment', '--comment', 'kubernetes forwarding rules'],
        position: 'append',
      }),
    ).toBe('-t filter -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD');
  });
});
