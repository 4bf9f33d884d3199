import { describe, expect, it } from 'vitest';
import { isKpxError } from '../errors.ts';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { clearEntriesForIP, clearEntriesForNAT, clearEntriesForPort, conntrackDeleteArgs, deleteConntrackEntries } from './conntrack-tool.ts';

describe('conntrackDeleteArgs', () => {
  it.each([
    [{ protocol: 'UDP', origDst: '10.96.0.10' }, '-D -p udp --orig-dst 10.96.0.10'],
    [{ protocol: 'UDP', dport: 30053 }, '-D -p udp --dport 30053'],
    [{ protocol: 'UDP', origDst: '10.96.0.10', replySrc: '10.244.1.2' }, '-D -p udp --orig-dst 10.96.0.10 --reply-src 10.244.1.2'],
    [{ protocol: 'SCTP', dport: 30000, replySrc: 'fd00::5' }, '-D -p sctp --dport 30000 --reply-src fd00::5 -f ipv6'],
    [{ protocol: 'UDP', dport: 30053, family: 'IPv6' }, '-D -p udp --dport 30053 -f ipv6'],
    [{ protocol: 'UDP', dport: 30053, family: 'IPv4' }, '-D -p udp --dport 30053'],
  ] as const)('%o', (filter, argv) => {
    expect(conntrackDeleteArgs(filter).join(' ')).toBe(argv);
  });

  it.each([
    [{ protocol: 'UDP' }],
    [{ protocol: 'UDP', origDst: '10.96.0.10; rm -rf /' }],
    [{ protocol: 'UDP', origDst: '--help' }],
    [{ protocol: 'UDP', dport: 0 }],
    [{ protocol: 'UDP', dport: 70000 }],
    [{ protocol: 'UDP', origDst: '10.96.0.10', replySrc: 'fd00::1' }],
    [{ protocol: 'UDP', origDst: '10.96.0.10', family: 'IPv6' }],
    [{ protocol: 'UDP', origDst: 'fd00::10', family: 'IPv4' }],
  ] as const)('rejects %o', (filter) => {
    expect(() => conntrackDeleteArgs(filter)).toThrow(expect.objectContaining({ code: 'KPX_ERR_CONFIG' }));
  });
});

describe('deleteConntrackEntries', () => {
  it('counts what conntrack deleted', async () => {
    const fake = recordingExec(() => ({ stderr: 'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted.\n' }));
    expect(await clearEntriesForIP(fake.exec, '10.96.0.10', 'UDP')).toBe(3);
    expect(fake.argv()).toEqual(['conntrack -D -p udp --orig-dst 10.96.0.10']);
  });

  it('treats "0 flow entries" (exit 1) as nothing to do', async () => {
    const fake = recordingExec(() => ({ exitCode: 1, stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n' }));
    expect(await clearEntriesForPort(fake.exec, 30053, 'UDP')).toBe(0);
  });

  it('throws on any other failure', async () => {
    const fake = recordingExec(() => ({ exitCode: 2, stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: invalid parameters\n' }));
    const error = await clearEntriesForNAT(fake.exec, '10.96.0.10', '10.244.1.2', 'UDP').catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_EXEC')).toBe(true);
  });

  it('runs nothing for an invalid filter', async () => {
    const fake = recordingExec();
    await expect(deleteConntrackEntries(fake.exec, { protocol: 'UDP', origDst: 'nonsense' })).rejects.toThrow(/invalid origDst/);
    expect(fake.calls).toHaveLength(0);
  });
});
