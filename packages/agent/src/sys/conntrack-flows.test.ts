import { describe, expect, it } from 'vitest';
import { conntrackListArgs, parseConntrackLine, parseConntrackList } from './conntrack-flows.ts';

describe('parseConntrackLine', () => {
  it.each([
    [
      'udp      17 29 src=10.0.0.1 dst=10.96.0.53 sport=40000 dport=53 src=10.244.1.10 dst=10.0.0.1 sport=5353 dport=40000 mark=0 use=1',
      { protocol: 'UDP', origSrc: '10.0.0.1', origDst: '10.96.0.53', origDport: 53, replySrc: '10.244.1.10' },
    ],
    [
      'udp      17 26 src=10.0.0.1 dst=10.96.0.53 sport=40001 dport=53 [UNREPLIED] src=10.96.0.53 dst=10.0.0.1 sport=53 dport=40001 mark=0 use=1',
      { protocol: 'UDP', origSrc: '10.0.0.1', origDst: '10.96.0.53', origDport: 53, replySrc: '10.96.0.53' },
    ],
    [
      'ipv6     10 udp      17 20 src=fd00::1 dst=fd00:10:96::a sport=1 dport=53 src=fd00:10:244::5 dst=fd00::1 sport=53 dport=1 [ASSURED] mark=0 zone=0 use=1',
      { protocol: 'UDP', origSrc: 'fd00::1', origDst: 'fd00:10:96::a', origDport: 53, replySrc: 'fd00:10:244::5' },
    ],
  ])('reads %s', (line, flow) => {
    expect(parseConntrackLine(line)).toEqual(flow);
  });

  it.each(['', 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.', 'udp 17 29 src=10.0.0.1 dst=10.96.0.53 sport=1 dport=53'])(
    'skips %j',
    (line) => {
      expect(parseConntrackLine(line)).toBeUndefined();
    },
  );

  it('reads every flow of a listing', () => {
    const text =
      'udp 17 29 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=53 src=3.3.3.3 dst=1.1.1.1 sport=53 dport=1 use=1\n\nudp 17 29 src=1.1.1.1 dst=2.2.2.2 sport=2 dport=53 src=4.4.4.4 dst=1.1.1.1 sport=53 dport=2 use=1\n';
    expect(parseConntrackList(text).map((flow) => flow.replySrc)).toEqual(['3.3.3.3', '4.4.4.4']);
  });

  it('lists one protocol of one family, filtered in the kernel', () => {
    expect(conntrackListArgs('UDP', 'IPv4')).toEqual(['-L', '-p', 'udp', '-f', 'ipv4']);
    expect(conntrackListArgs('UDP', 'IPv6')).toEqual(['-L', '-p', 'udp', '-f', 'ipv6']);
  });
});
