// The trace parsers against output captured from nft 1.0.6, xtables-monitor 1.8.9 and
// conntrack 1.4.7 on a probe to a ClusterIP (fixtures/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCounters } from './counter-diff.ts';
import { parseConntrackOutput } from './parse-conntrack.ts';
import { parseNftTrace } from './parse-nft-trace.ts';
import { parseXtablesTrace } from './parse-xtables-trace.ts';
import { iptablesRulesToRemove, nftHandlesToRemove, nftTableHasRules } from './trace-rules.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseNftTrace', () => {
  it('lists every rule and policy of the packet, in order, with its verdict', () => {
    const hits = parseNftTrace(fixture('nft-monitor-trace.txt'));
    expect(hits.map((hit) => [hit.packet, hit.table, hit.chain, hit.verdict])).toEqual([
      [1, 'ip kpx-trace', 'prerouting', 'continue'],
      [1, 'ip kpx-trace', 'prerouting', 'policy accept'],
      [1, 'ip kube-proxy', 'nat-prerouting', 'goto service-web'],
      [1, 'ip kube-proxy', 'service-web', 'accept'],
      [1, 'ip kube-proxy', 'nat-postrouting', 'accept'],
    ]);
    expect(hits[3]?.rule).toBe('meta l4proto tcp dnat to 10.244.1.11:8080 comment "demo/web"');
  });
  it('numbers packets by trace id', () => {
    const text = 'trace id aa ip t c rule accept (verdict accept)\ntrace id bb ip t c policy drop\ntrace id aa ip t d verdict continue\n';
    expect(parseNftTrace(text).map((hit) => [hit.packet, hit.chain, hit.verdict])).toEqual([
      [1, 'c', 'accept'],
      [2, 'c', 'policy drop'],
      [1, 'd', 'continue'],
    ]);
  });
});

describe('parseXtablesTrace', () => {
  it('reads table, chain, verdict and the rule without the family and table prefix', () => {
    const hits = parseXtablesTrace(fixture('xtables-monitor-trace.txt'));
    expect(hits.map((hit) => [hit.packet, hit.table, hit.chain, hit.verdict])).toEqual([
      [1, 'raw', 'PREROUTING', 'continue'],
      [1, 'raw', 'PREROUTING', 'policy accept'],
      [1, 'nat', 'PREROUTING', 'jump KUBE-SERVICES'],
      [1, 'nat', 'KUBE-SERVICES', 'jump KUBE-SVC-X'],
      [1, 'nat', 'KUBE-SVC-X', 'accept'],
      [1, 'nat', 'KUBE-POSTROUTING', 'return'],
    ]);
    expect(hits[4]?.rule).toBe('-A KUBE-SVC-X -p tcp -m comment --comment "demo/web -> 10.244.1.11:8080" -j DNAT --to-destination 10.244.1.11:8080');
  });
});

describe('parseConntrackOutput', () => {
  const entries = parseConntrackOutput(fixture('conntrack-extended.txt'));
  it('reads listed entries: tuples, state, flags and the DNAT target', () => {
    expect(entries[0]).toMatchObject({
      event: '',
      protocol: 'tcp',
      state: 'TIME_WAIT',
      flags: ['ASSURED'],
      original: { src: '10.244.1.10', dst: '10.96.0.10', sport: 37695, dport: 80 },
      reply: { src: '10.244.1.11', dst: '10.244.1.10', sport: 8080, dport: 37695 },
      dnatTo: '10.244.1.11:8080',
      snatTo: undefined,
    });
  });
  it('reads events and sees the masquerade in the reply tuple', () => {
    expect(entries.slice(2).map((entry) => [entry.event, entry.state, entry.dnatTo, entry.snatTo, entry.flags])).toEqual([
      ['NEW', 'SYN_SENT', '10.244.1.11:8080', '10.244.1.1:37359', ['UNREPLIED']],
      ['DESTROY', 'CLOSE', '10.244.1.11:8080', '10.244.1.1:37359', ['UNREPLIED']],
    ]);
  });
  it('skips summary lines', () => {
    expect(parseConntrackOutput('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n')).toEqual([]);
  });
});

describe('diffCounters', () => {
  it('lists the rules and policies whose packet counters grew, a jump to a chain of the table as the tracers say it', () => {
    const save = (policy: string, jump: string, dnat: string): string =>
      `*nat\n:PREROUTING ACCEPT [${policy}]\n:KUBE-SERVICES - [0:0]\n:KUBE-SEP-X - [0:0]\n[${jump}] -A PREROUTING -j KUBE-SERVICES\n` +
      `[0:0] -A KUBE-SERVICES -d 10.96.0.10/32 -g KUBE-SEP-X\n[${dnat}] -A KUBE-SEP-X -p tcp -j DNAT --to-destination 10.244.1.11:8080\nCOMMIT\n`;
    expect(diffCounters(save('4:240', '2:120', '0:0'), save('5:300', '3:180', '1:60'))).toEqual([
      { packet: 1, table: 'nat', chain: 'PREROUTING', rule: '', verdict: 'policy accept' },
      { packet: 1, table: 'nat', chain: 'PREROUTING', rule: '-A PREROUTING -j KUBE-SERVICES', verdict: 'jump KUBE-SERVICES' },
      { packet: 1, table: 'nat', chain: 'KUBE-SEP-X', rule: '-A KUBE-SEP-X -p tcp -j DNAT --to-destination 10.244.1.11:8080', verdict: 'dnat' },
    ]);
    const viaGoto = (text: string): string => text.replace('-j KUBE-SERVICES', '-g KUBE-SERVICES');
    expect(diffCounters(viaGoto(save('4:240', '2:120', '0:0')), viaGoto(save('5:300', '3:180', '0:0')))[1]?.verdict).toBe('goto KUBE-SERVICES');
  });
});

describe('leftover trace rules', () => {
  const gone = (pid: number): boolean => pid === 111;
  it('picks nft rules of gone pids by handle, and tells an empty table', () => {
    const listing =
      'table ip kpx-trace { # handle 7\n\tchain prerouting { # handle 1\n\t\ttype filter hook prerouting priority -350; policy accept;\n\t\tip saddr 1.1.1.1 meta nftrace set 1 comment "kpx-trace:111" # handle 3\n\t\tip saddr 1.1.1.2 meta nftrace set 1 comment "kpx-trace:222" # handle 4\n\t}\n}\n';
    expect(nftHandlesToRemove(listing, gone)).toEqual([{ chain: 'prerouting', handle: 3 }]);
    expect(nftTableHasRules(listing)).toBe(true);
    expect(
      nftTableHasRules(
        'table ip kpx-trace { # handle 7\n\tchain prerouting { # handle 1\n\t\ttype filter hook prerouting priority -350; policy accept;\n\t}\n}\n',
      ),
    ).toBe(false);
  });
  it('turns iptables -S lines of gone pids into -D argv', () => {
    const listing =
      '-P PREROUTING ACCEPT\n-A PREROUTING -s 10.0.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment "kpx-trace:111" -j TRACE\n-A PREROUTING -m comment --comment "kpx-trace:222" -j TRACE\n';
    expect(iptablesRulesToRemove(listing, gone)).toEqual([
      ['-D', 'PREROUTING', '-s', '10.0.0.1/32', '-p', 'tcp', '-m', 'tcp', '--dport', '80', '-m', 'comment', '--comment', 'kpx-trace:111', '-j', 'TRACE'],
    ]);
  });
});
