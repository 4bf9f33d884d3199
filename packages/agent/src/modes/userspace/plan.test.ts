import { describe, expect, it } from 'vitest';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import { formatUserspacePlan } from './format.ts';
import { planUserspace } from './plan.ts';

const local = (ip: string) => makeEndpoint(ip, 8080, (e) => (e.isLocal = true));
const remote = (ip: string) => makeEndpoint(ip, 8080);

describe('planUserspace', () => {
  it('listens on the cluster IP with the cluster endpoints', () => {
    const plan = planUserspace(
      makeState([
        makeServicePort('ns1', 'svc1', 'p80', (sp) => {
          sp.clusterIP = '172.30.0.41';
          sp.endpoints.push(remote('10.180.0.2'), local('10.180.0.1'));
        }),
      ]),
    );
    expect(plan.listeners).toEqual([
      expect.objectContaining({
        key: 'TCP/172.30.0.41:80',
        kind: 'clusterIP',
        endpoints: [expect.objectContaining({ endpoint: '10.180.0.1:8080' }), expect.objectContaining({ endpoint: '10.180.0.2:8080' })],
      }),
    ]);
    expect(plan.serviceAddresses).toEqual(['172.30.0.41']);
  });

  it.each([
    // internal, external policy Local → which endpoint IPs per listener kind
    [false, false, { clusterIP: ['10.180.0.1', '10.180.0.2'], nodePort: ['10.180.0.1', '10.180.0.2'] }],
    [true, false, { clusterIP: ['10.180.0.1'], nodePort: ['10.180.0.1', '10.180.0.2'] }],
    [false, true, { clusterIP: ['10.180.0.1', '10.180.0.2'], nodePort: ['10.180.0.1'] }],
    [true, true, { clusterIP: ['10.180.0.1'], nodePort: ['10.180.0.1'] }],
  ])('internalPolicyLocal=%s externalPolicyLocal=%s', (internalLocal, externalLocal, expected) => {
    const plan = planUserspace(
      makeState([
        makeServicePort('ns1', 'svc1', '', (sp) => {
          sp.nodePort = 30080;
          sp.internalPolicyLocal = internalLocal;
          sp.externalPolicyLocal = externalLocal;
          sp.endpoints.push(local('10.180.0.1'), remote('10.180.0.2'));
        }),
      ]),
    );
    const ipsOf = (kind: string) => plan.listeners.find((l) => l.kind === kind)?.endpoints.map((e) => e.ip);
    expect({ clusterIP: ipsOf('clusterIP'), nodePort: ipsOf('nodePort') }).toEqual(expected);
  });

  it('covers node ports, external IPs and load-balancer IPs, with source ranges on LB listeners only', () => {
    const plan = planUserspace(
      makeState([
        makeServicePort('ns1', 'svc1', 'p80', (sp) => {
          sp.nodePort = 30080;
          sp.externalIPs = ['192.0.2.10'];
          sp.loadBalancerVIPs = ['198.51.100.7'];
          sp.loadBalancerSourceRanges = ['203.0.113.0/24'];
          sp.endpoints.push(remote('10.180.0.2'));
        }),
      ]),
    );
    expect(plan.listeners.map((l) => [l.key, l.kind, l.sourceRanges])).toEqual([
      ['TCP/172.30.0.1:80', 'clusterIP', []],
      ['TCP/192.0.2.10:80', 'externalIP', []],
      ['TCP/192.168.0.2:30080', 'nodePort', []],
      ['TCP/198.51.100.7:80', 'loadBalancer', ['203.0.113.0/24']],
    ]);
    expect(plan.serviceAddresses).toEqual(['172.30.0.1', '192.0.2.10', '198.51.100.7']);
  });

  it.each([
    [[], ['127.0.0.1', '192.168.0.2', '192.168.7.9']],
    [['192.168.0.0/16'], ['192.168.0.2', '192.168.7.9']],
  ])('listens for a node port on every interface address the daemon read in %j', (nodePortAddresses, addresses) => {
    const node = makeNodeContext((n) => {
      n.localAddresses = ['127.0.0.1', '192.168.0.2', '192.168.7.9'];
      n.nodePortAddresses = nodePortAddresses;
    });
    const plan = planUserspace(
      makeState(
        [
          makeServicePort('ns1', 'svc1', 'p80', (sp) => {
            sp.nodePort = 30080;
          }),
        ],
        node,
      ),
    );
    expect(plan.listeners.filter((l) => l.kind === 'nodePort').map((l) => l.key)).toEqual(addresses.map((ip) => `TCP/${ip}:30080`));
  });

  it('does not listen for a node port on an IPv6 link-local address (no zone to bind it with)', () => {
    const node = makeNodeContext((n) => {
      n.ipFamily = 'IPv6';
      n.nodeIPs = ['fd00::2'];
      n.localAddresses = ['::1', 'fd00::2', 'fe80::1'];
    });
    const plan = planUserspace(
      makeState(
        [
          makeServicePort('ns1', 'svc1', 'p80', (sp) => {
            sp.clusterIP = 'fd00:96::1';
            sp.nodePort = 30080;
          }),
        ],
        node,
      ),
    );
    expect(plan.listeners.filter((l) => l.kind === 'nodePort').map((l) => l.key)).toEqual(['TCP/[::1]:30080', 'TCP/[fd00::2]:30080']);
  });

  it('keeps listeners of ports without endpoints (so the address exists and the kernel refuses)', () => {
    const plan = planUserspace(makeState([makeServicePort('ns1', 'svc1', 'p80', (sp) => (sp.protocol = 'UDP'))]));
    expect(plan.listeners.map((l) => [l.key, l.endpoints.length])).toEqual([['UDP/172.30.0.1:80', 0]]);
    expect(plan.figures).toMatchObject({ listeners: 1, listenersWithoutEndpoints: 1 });
  });

  it('reports a second port on the same socket as a conflict instead of a listener', () => {
    const plan = planUserspace(
      makeState([
        makeServicePort('ns1', 'a', '', (sp) => (sp.externalIPs = ['172.30.0.9'])),
        makeServicePort('ns1', 'b', '', (sp) => (sp.clusterIP = '172.30.0.9')),
      ]),
    );
    expect(plan.conflicts).toEqual([{ key: 'TCP/172.30.0.9:80', servicePortName: 'ns1/b', heldBy: 'ns1/a' }]);
    expect(plan.listeners.map((l) => l.key)).toEqual(['TCP/172.30.0.1:80', 'TCP/172.30.0.9:80']);
  });

  it('same address and port with different protocols are two listeners', () => {
    const plan = planUserspace(
      makeState([
        makeServicePort('ns1', 'dns', 'tcp', (sp) => {
          sp.clusterIP = '172.30.0.10';
          sp.port = 53;
        }),
        makeServicePort('ns1', 'dns', 'udp', (sp) => {
          sp.clusterIP = '172.30.0.10';
          sp.port = 53;
          sp.protocol = 'UDP';
        }),
      ]),
    );
    expect(plan.listeners.map((l) => l.key)).toEqual(['TCP/172.30.0.10:53', 'UDP/172.30.0.10:53']);
    expect(plan.conflicts).toEqual([]);
  });
});

describe('formatUserspacePlan', () => {
  it('prints one stable line per listener, affinity, ranges and conflicts', () => {
    const plan = planUserspace(
      makeState([
        makeServicePort('ns1', 'a', 'p80', (sp) => {
          sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 10800 };
          sp.loadBalancerVIPs = ['198.51.100.7'];
          sp.loadBalancerSourceRanges = ['203.0.113.0/24', '192.0.2.0/25'];
          sp.endpoints.push(remote('10.180.0.2'), remote('10.180.0.1'));
        }),
        makeServicePort('ns1', 'b', '', (sp) => {
          sp.clusterIP = '198.51.100.7';
          sp.protocol = 'UDP';
        }),
        makeServicePort('ns1', 'c', '', (sp) => (sp.clusterIP = '198.51.100.7')),
      ]),
    );
    expect(formatUserspacePlan(plan)).toBe(
      [
        '# userspace IPv4: 3 listeners, 1 conflicts',
        '# local service addresses: 172.30.0.1 198.51.100.7',
        'TCP/172.30.0.1:80 ns1/a:p80 clusterIP affinity=ClientIP/10800s -> 10.180.0.1:8080 10.180.0.2:8080',
        'TCP/198.51.100.7:80 ns1/a:p80 loadBalancer affinity=ClientIP/10800s sourceRanges=203.0.113.0/24,192.0.2.0/25 -> 10.180.0.1:8080 10.180.0.2:8080',
        'UDP/198.51.100.7:80 ns1/b clusterIP affinity=None -> (no endpoints: refused)',
        'conflict TCP/198.51.100.7:80 ns1/c (held by ns1/a:p80)',
        '',
      ].join('\n'),
    );
  });
});
