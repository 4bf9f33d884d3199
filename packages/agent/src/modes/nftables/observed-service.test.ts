import { describe, expect, it } from 'vitest';
import { makeEndpoint, makeServicePort } from '../../../../../test/helpers/state-builders.ts';
import { serviceChainNames } from './names.ts';
import { affinitySetsOf, chainsFromText, elementsFromJson, formatObservedService, serviceChains, serviceReads } from './observed-service.ts';

const web = makeServicePort('ns1', 'web', 'http', (sp) => {
  sp.clusterIP = '10.96.0.10';
  sp.nodePort = 30080;
  sp.externalIPs = ['192.0.2.7'];
  sp.externalPolicyLocal = true;
  sp.endpoints = [makeEndpoint('10.244.1.2', 8080)];
});
const own = serviceChainNames(web.servicePortName, 'TCP');

/** `nft -j list map` output as nft 1.0.6 prints it: plain keys, and `elem` wrappers for comments and counters. */
const serviceIpsJson = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    {
      map: {
        family: 'ip',
        name: 'service-ips',
        table: 'kube-proxy',
        type: ['ipv4_addr', 'inet_proto', 'inet_service'],
        map: 'verdict',
        elem: [
          [{ concat: ['10.96.0.10', 'tcp', 80] }, { goto: { target: 'cluster-endpoints-tcp-1' } }],
          [
            { elem: { val: { concat: ['192.0.2.7', 'tcp', 80] }, comment: 'ns1/web:http', counter: { packets: 3, bytes: 180 } } },
            { goto: { target: own.external } },
          ],
          [{ concat: ['10.96.0.11', 'tcp', 80] }, { goto: { target: 'cluster-endpoints-tcp-2' } }],
          [{ concat: ['10.96.0.10', 'tcp', 8080] }, { drop: null }],
        ],
      },
    },
  ],
});
const endpointsJson = JSON.stringify({
  nftables: [
    {
      map: {
        name: 'cluster-endpoints-tcp',
        elem: [
          [{ concat: ['10.96.0.10', 80, 0] }, { concat: ['10.244.1.2', 8080] }],
          [{ concat: ['10.96.0.100', 80, 0] }, { concat: ['10.244.9.9', 8080] }],
        ],
      },
    },
  ],
});
const tableText = [
  'table ip kube-proxy {',
  '\tmap service-ips {',
  '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
  '\t}',
  '',
  '\tchain mark-for-masquerade {',
  '\t\tmeta mark set meta mark | 0x00004000',
  '\t}',
  '\tchain cluster-endpoints-tcp-1 {',
  '\t\tip daddr @cluster-ips ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
  '\t\tdnat ip to ip daddr . tcp dport . numgen random mod 1 map @cluster-endpoints-tcp',
  '\t}',
  '\tchain cluster-endpoints-tcp-2 {',
  '\t\tdnat ip to ip daddr . tcp dport . numgen random mod 2 map @cluster-endpoints-tcp',
  '\t}',
  '\tchain local-endpoints-tcp-1 {',
  '\t\tdnat ip to ip daddr . tcp dport . numgen random mod 1 map @local-endpoints-tcp',
  '\t}',
  `\tchain ${own.external} {`,
  '\t\tfib saddr type local counter packets 2 bytes 120 jump mark-for-masquerade',
  '\t\tgoto local-endpoints-tcp-1',
  '\t}',
  `\tchain ${own.nodeport} {`,
  '\t\tgoto local-endpoints-tcp-1',
  '\t}',
  '}',
  '',
].join('\n');

describe('one service port read back from nft output', () => {
  it("reads the maps that can hold the port's keys, keyed as the plan keys them", () => {
    const reads = serviceReads(web);
    expect(reads.verdictMaps).toEqual([
      { map: 'service-ips', prefixes: ['10.96.0.10 . tcp . 80', '192.0.2.7 . tcp . 80'] },
      { map: 'no-endpoint-services', prefixes: ['10.96.0.10 . tcp . 80', '192.0.2.7 . tcp . 80'] },
      { map: 'service-nodeports', prefixes: ['tcp . 30080'] },
      { map: 'no-endpoint-nodeports', prefixes: ['tcp . 30080'] },
    ]);
    expect(reads.endpointMaps.map((read) => [read.map, read.prefixes])).toEqual([
      ['cluster-endpoints-tcp', ['10.96.0.10 . 80 . ', '192.0.2.7 . 80 . ']],
      ['local-endpoints-tcp', ['10.96.0.10 . 80 . ', '192.0.2.7 . 80 . ']],
      ['nodeport-cluster-endpoints-tcp', ['30080 . ']],
      ['nodeport-local-endpoints-tcp', ['30080 . ']],
    ]);
  });

  it("keeps only the port's elements, with their comments and counters, and follows its chains", () => {
    const verdicts = elementsFromJson('service-ips', serviceIpsJson, serviceReads(web).verdictMaps[0]!.prefixes);
    expect(verdicts.map((element) => element.key)).toEqual(['10.96.0.10 . tcp . 80', '192.0.2.7 . tcp . 80']);
    const endpoints = elementsFromJson('cluster-endpoints-tcp', endpointsJson, ['10.96.0.10 . 80 . ']);
    const chains = serviceChains(web, verdicts, chainsFromText(tableText));
    expect(chains.map((chain) => chain.name)).toEqual(['cluster-endpoints-tcp-1', own.external, own.nodeport, 'local-endpoints-tcp-1']);
    expect(formatObservedService({ table: 'ip kube-proxy', verdicts, endpoints, chains, affinity: [], missingMaps: [] })).toBe(
      [
        'table ip kube-proxy, verdict map elements:',
        '  service-ips: 10.96.0.10 . tcp . 80 : goto cluster-endpoints-tcp-1',
        `  service-ips: 192.0.2.7 . tcp . 80 comment "ns1/web:http" : goto ${own.external} counter packets 3 bytes 180`,
        'endpoint map elements:',
        '  cluster-endpoints-tcp: 10.96.0.10 . 80 . 0 : 10.244.1.2 . 8080',
        'chains:',
        '  chain cluster-endpoints-tcp-1 {',
        '    ip daddr @cluster-ips ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
        '    dnat ip to ip daddr . tcp dport . numgen random mod 1 map @cluster-endpoints-tcp',
        '  }',
        `  chain ${own.external} {`,
        '    fib saddr type local counter packets 2 bytes 120 jump mark-for-masquerade',
        '    goto local-endpoints-tcp-1',
        '  }',
        `  chain ${own.nodeport} {`,
        '    goto local-endpoints-tcp-1',
        '  }',
        '  chain local-endpoints-tcp-1 {',
        '    dnat ip to ip daddr . tcp dport . numgen random mod 1 map @local-endpoints-tcp',
        '  }',
        '',
      ].join('\n'),
    );
  });

  it('lists the clients an affinity set remembers, with the seconds they have left', () => {
    const chains = [{ name: 'endpoint-X', rules: ['update @affinity-X { ip saddr }', 'meta l4proto tcp dnat to 10.244.1.5:8080'] }];
    expect(affinitySetsOf(chains)).toEqual(['affinity-X']);
    const json = JSON.stringify({ nftables: [{ set: { name: 'affinity-X', elem: [{ elem: { val: '10.0.0.9', expires: 59 } }] } }] });
    const affinity = elementsFromJson('affinity-X', json);
    expect(formatObservedService({ table: 'ip kube-proxy', verdicts: [], endpoints: [], chains: [], affinity, missingMaps: [] }).split('\n').slice(-3)).toEqual(
      ['affinity clients:', '  affinity-X: 10.0.0.9 expires 59s', ''],
    );
  });

  it('says what is missing: no element, no chain, a map the table lacks', () => {
    expect(formatObservedService({ table: 'ip kpx', verdicts: [], endpoints: [], chains: [], affinity: [], missingMaps: ['service-ips'] })).toBe(
      'table ip kpx, verdict map elements:\n  (none)\nendpoint map elements:\n  (none)\nchains:\n  (none)\nmaps missing from the table: service-ips\n',
    );
  });
});
