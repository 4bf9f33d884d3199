import { describe, expect, it } from 'vitest';
import { isKpxError } from '../errors.ts';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { iptablesTools } from './backend-detect.ts';
import { ensureJumpRules, prependPosition, savedJumpRuleKey } from './jump-rules.ts';
import type { JumpRule } from './jump-rule.ts';

const tools = iptablesTools('legacy', 'IPv4');
const PORTALS: JumpRule = {
  table: 'nat',
  chain: 'PREROUTING',
  target: 'KUBE-SERVICES',
  args: ['-m', 'comment', '--comment', 'kubernetes service portals'],
  position: 'prepend',
};
const POSTROUTING: JumpRule = {
  table: 'nat',
  chain: 'POSTROUTING',
  target: 'KUBE-POSTROUTING',
  args: ['-m', 'comment', '--comment', 'kubernetes postrouting rules'],
  position: 'append',
};

describe('ensureJumpRules', () => {
  it('checks each rule and inserts or appends only the missing ones', async () => {
    const fake = recordingExec((request) => (request.args.includes('-C') && request.args.includes('PREROUTING') ? { exitCode: 1 } : undefined));
    expect(await ensureJumpRules(fake.exec, tools, [PORTALS, POSTROUTING])).toBe(1);
    expect(fake.calls.map((call) => [call.file, ...call.args])).toEqual([
      ['iptables-legacy', '-w', '5', '-t', 'nat', '-C', 'PREROUTING', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'],
      ['iptables-legacy', '-w', '5', '-t', 'nat', '-I', 'PREROUTING', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'],
      ['iptables-legacy', '-w', '5', '-t', 'nat', '-C', 'POSTROUTING', '-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'],
    ]);
  });

  it('appends when asked to', async () => {
    const fake = recordingExec((request) => (request.args.includes('-C') ? { exitCode: 1 } : undefined));
    await ensureJumpRules(fake.exec, tools, [POSTROUTING]);
    expect(fake.calls[1]?.args.slice(4, 7)).toEqual(['-A', 'POSTROUTING', '-m']);
  });

  it('fails when iptables cannot check (e.g. the target chain does not exist)', async () => {
    const fake = recordingExec(() => ({ exitCode: 2, stderr: "Couldn't load target `KUBE-SERVICES'" }));
    const error = await ensureJumpRules(fake.exec, tools, [PORTALS]).catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_EXEC')).toBe(true);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('savedJumpRuleKey', () => {
  it('spells a rule as iptables-save prints it', () => {
    expect(savedJumpRuleKey(PORTALS)).toBe('nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  });

  it('skips -C for rules already seen in iptables-save output', async () => {
    const fake = recordingExec((request) => (request.args.includes('-C') ? { exitCode: 1 } : undefined));
    expect(
      await ensureJumpRules(fake.exec, tools, [PORTALS, POSTROUTING], {
        builtinRules: new Set([savedJumpRuleKey(PORTALS)]),
        chains: new Set(['nat KUBE-SERVICES', 'nat KUBE-POSTROUTING']),
      }),
    ).toBe(1);
    expect(fake.argv().map((argv) => argv.split(' ').slice(5, 7).join(' '))).toEqual(['-C POSTROUTING', '-A POSTROUTING']);
  });
});

it('creates a missing target chain once and inserts its jumps without -C', async () => {
  const fake = recordingExec();
  const second: JumpRule = { ...PORTALS, chain: 'OUTPUT' };
  expect(await ensureJumpRules(fake.exec, tools, [PORTALS, second], { builtinRules: new Set(), chains: new Set() })).toBe(2);
  expect(fake.argv().map((argv) => argv.split(' ').slice(5, 7).join(' '))).toEqual(['-N KUBE-SERVICES', '-I PREROUTING', '-I OUTPUT']);
});

describe("prepended jump rules keep a fresh node's order", () => {
  const firewall = (chain: string, target: string): JumpRule => ({ table: 'filter', chain, target, args: [], position: 'prepend' });
  const rules = [
    firewall('INPUT', 'KUBE-EXTERNAL-SERVICES'),
    firewall('INPUT', 'KUBE-NODEPORTS'),
    firewall('OUTPUT', 'KUBE-SERVICES'),
    firewall('INPUT', 'KUBE-FIREWALL'),
  ];

  it('places a rule right after the present ones prepended after it, or first', () => {
    const kubelet = savedJumpRuleKey(rules[3]!);
    expect(prependPosition(rules, 0, [kubelet, 'filter -A INPUT -j ACCEPT'])).toBe(2);
    expect(prependPosition(rules, 0, ['filter -A INPUT -j ACCEPT', kubelet])).toBe(3);
    expect(prependPosition(rules, 1, ['filter -A INPUT -j ACCEPT'])).toBe(1);
    expect(prependPosition(rules, 3, [savedJumpRuleKey(rules[0]!)])).toBe(1);
  });

  it('inserts behind a KUBE-FIREWALL jump left in place (after --cleanup), as a fresh node has them', async () => {
    const kubelet = savedJumpRuleKey(rules[3]!);
    const builtinOrder = new Map([
      ['filter INPUT', [kubelet, 'filter -A INPUT -j OTHER']],
      ['filter OUTPUT', []],
    ]);
    const known = {
      builtinRules: new Set([kubelet]),
      chains: new Set(['filter KUBE-EXTERNAL-SERVICES', 'filter KUBE-NODEPORTS', 'filter KUBE-SERVICES', 'filter KUBE-FIREWALL']),
      builtinOrder,
    };
    const checkAbsent = recordingExec((request) => (request.args.includes('-C') ? { exitCode: 1 } : undefined));
    expect(await ensureJumpRules(checkAbsent.exec, tools, rules, known)).toBe(3);
    expect(
      checkAbsent
        .argv()
        .filter((argv) => argv.includes(' -I '))
        .map((argv) => argv.split(' ').slice(5).join(' ')),
    ).toEqual(['-I INPUT 2 -j KUBE-EXTERNAL-SERVICES', '-I INPUT 2 -j KUBE-NODEPORTS', '-I OUTPUT -j KUBE-SERVICES']);
    expect(builtinOrder.get('filter INPUT')).toEqual([kubelet, savedJumpRuleKey(rules[1]!), savedJumpRuleKey(rules[0]!), 'filter -A INPUT -j OTHER']);
  });
});
