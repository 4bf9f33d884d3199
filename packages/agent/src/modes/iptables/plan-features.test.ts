// Chain texts for one feature at a time, table-driven: each case builds a small state,
// plans it, and compares whole chains (every rule, in order) with kube-proxy's.
import { describe, expect, it } from 'vitest';
import { planIptables } from './plan.ts';
import { endpointChainName, serviceChainNames } from './chain-names.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState, type ServicePortDraft } from '../../../../../test/helpers/state-builders.ts';
import { chainRules } from '../../../../../test/helpers/restore-parse.ts';
import { checkChains } from '../../../../../test/helpers/check-chains.ts';
import type { NodeContext } from '../../model/types.ts';

type NodeDraft = { -readonly [K in keyof NodeContext]: NodeContext[K] };

const NAME = 'ns1/svc1:p80';
const { cluster: SVC, local: SVL, external: EXT, firewall: FW } = serviceChainNames(NAME, 'TCP');
const sep = (endpoint: string, protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP') => endpointChainName(NAME, protocol, endpoint);

function plan(mutate: (sp: ServicePortDraft) => void, node?: (node: NodeDraft) => void) {
  const port = makeServicePort('ns1', 'svc1', 'p80', (sp) => {
    sp.clusterIP = '172.30.0.41';
    mutate(sp);
  });
  const result = planIptables(makeState([port], makeNodeContext(node)));
  expect(checkChains(result.restoreText)).toEqual([]);
  return result.restoreText;
}

const ready = (sp: ServicePortDraft, ...ips: string[]) => sp.endpoints.push(...ips.map((ip) => makeEndpoint(ip, 80)));

interface Case {
  readonly name: string;
  readonly port: (sp: ServicePortDraft) => void;
  readonly node?: (node: NodeDraft) => void;
  readonly table: 'nat' | 'filter';
  readonly chain: string;
  readonly rules: readonly string[];
}

const cases: Case[] = [
  {
    name: 'UDP cluster IP with three endpoints splits 1/3, 1/2, rest',
    port: (sp) => {
      sp.protocol = 'UDP';
      ready(sp, '10.180.0.1', '10.180.0.2', '10.180.0.3');
    },
    table: 'nat',
    chain: serviceChainNames(NAME, 'UDP').cluster,
    rules: [
      `-A ${serviceChainNames(NAME, 'UDP').cluster} -m comment --comment "${NAME} cluster IP" -m udp -p udp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
      `-A ${serviceChainNames(NAME, 'UDP').cluster} -m comment --comment "${NAME} -> 10.180.0.1:80" -m statistic --mode random --probability 0.3333333333 -j ${sep('10.180.0.1:80', 'UDP')}`,
      `-A ${serviceChainNames(NAME, 'UDP').cluster} -m comment --comment "${NAME} -> 10.180.0.2:80" -m statistic --mode random --probability 0.5000000000 -j ${sep('10.180.0.2:80', 'UDP')}`,
      `-A ${serviceChainNames(NAME, 'UDP').cluster} -m comment --comment "${NAME} -> 10.180.0.3:80" -j ${sep('10.180.0.3:80', 'UDP')}`,
    ],
  },
  {
    name: 'SCTP endpoint chain',
    port: (sp) => {
      sp.protocol = 'SCTP';
      ready(sp, '10.180.0.1');
    },
    table: 'nat',
    chain: sep('10.180.0.1:80', 'SCTP'),
    rules: [
      `-A ${sep('10.180.0.1:80', 'SCTP')} -m comment --comment ${NAME} -s 10.180.0.1 -j KUBE-MARK-MASQ`,
      `-A ${sep('10.180.0.1:80', 'SCTP')} -m comment --comment ${NAME} -m sctp -p sctp -j DNAT --to-destination 10.180.0.1:80`,
    ],
  },
  {
    name: 'no endpoints: REJECT in filter for every destination',
    port: (sp) => {
      sp.nodePort = 3001;
      sp.externalIPs = ['192.168.99.11'];
      sp.loadBalancerVIPs = ['1.2.3.4'];
    },
    table: 'filter',
    chain: 'KUBE-EXTERNAL-SERVICES',
    rules: [
      `-A KUBE-EXTERNAL-SERVICES -m comment --comment "${NAME} has no endpoints" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT`,
      `-A KUBE-EXTERNAL-SERVICES -m comment --comment "${NAME} has no endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j REJECT`,
      `-A KUBE-EXTERNAL-SERVICES -m comment --comment "${NAME} has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT`,
    ],
  },
  {
    name: 'internal Local policy without local endpoints: DROP the cluster IP',
    port: (sp) => {
      sp.internalPolicyLocal = true;
      ready(sp, '10.180.0.1');
    },
    table: 'filter',
    chain: 'KUBE-SERVICES',
    rules: [`-A KUBE-SERVICES -m comment --comment "${NAME} has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP`],
  },
  {
    name: 'internal Local policy: cluster IP goes to KUBE-SVL with the local endpoints only',
    port: (sp) => {
      sp.internalPolicyLocal = true;
      sp.endpoints.push(
        makeEndpoint('10.180.0.1', 80),
        makeEndpoint('10.180.0.2', 80, (ep) => (ep.isLocal = true)),
      );
    },
    table: 'nat',
    chain: SVL,
    rules: [
      `-A ${SVL} -m comment --comment "${NAME} cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`,
      `-A ${SVL} -m comment --comment "${NAME} -> 10.180.0.2:80" -j ${sep('10.180.0.2:80')}`,
    ],
  },
  {
    name: 'masqueradeAll masquerades every cluster IP packet',
    port: (sp) => ready(sp, '10.180.0.1'),
    node: (node) => (node.masqueradeAll = true),
    table: 'nat',
    chain: SVC,
    rules: [
      `-A ${SVC} -m comment --comment "${NAME} cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-MARK-MASQ`,
      `-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.1:80" -j ${sep('10.180.0.1:80')}`,
    ],
  },
  {
    name: 'detect-local None: no off-cluster masquerade rule',
    port: (sp) => ready(sp, '10.180.0.1'),
    node: (node) => (node.detectLocal = { mode: 'None' }),
    table: 'nat',
    chain: SVC,
    rules: [`-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.1:80" -j ${sep('10.180.0.1:80')}`],
  },
  {
    name: 'detect-local BridgeInterface',
    port: (sp) => ready(sp, '10.180.0.1'),
    node: (node) => (node.detectLocal = { mode: 'BridgeInterface', interfaceName: 'cbr0' }),
    table: 'nat',
    chain: SVC,
    rules: [
      `-A ${SVC} -m comment --comment "${NAME} cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -i cbr0 -j KUBE-MARK-MASQ`,
      `-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.1:80" -j ${sep('10.180.0.1:80')}`,
    ],
  },
  {
    name: 'external Local policy, detect-local InterfaceNamePrefix: pod and node traffic short-circuit',
    port: (sp) => {
      sp.nodePort = 3001;
      sp.externalPolicyLocal = true;
      sp.endpoints.push(makeEndpoint('10.180.0.1', 80, (ep) => (ep.isLocal = true)));
    },
    node: (node) => (node.detectLocal = { mode: 'InterfaceNamePrefix', interfacePrefix: 'veth' }),
    table: 'nat',
    chain: EXT,
    rules: [
      `-A ${EXT} -m comment --comment "pod traffic for ${NAME} external destinations" -i veth+ -j ${SVC}`,
      `-A ${EXT} -m comment --comment "masquerade LOCAL traffic for ${NAME} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${EXT} -m comment --comment "route LOCAL traffic for ${NAME} external destinations" -m addrtype --src-type LOCAL -j ${SVC}`,
      `-A ${EXT} -j ${SVL}`,
    ],
  },
  {
    name: 'session affinity checks every endpoint before the random split',
    port: (sp) => {
      sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 60 };
      ready(sp, '10.180.0.1', '10.180.0.2');
    },
    node: (node) => (node.detectLocal = { mode: 'None' }),
    table: 'nat',
    chain: SVC,
    rules: [
      `-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.1:80" -m recent --name ${sep('10.180.0.1:80')} --rcheck --seconds 60 --reap -j ${sep('10.180.0.1:80')}`,
      `-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.2:80" -m recent --name ${sep('10.180.0.2:80')} --rcheck --seconds 60 --reap -j ${sep('10.180.0.2:80')}`,
      `-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j ${sep('10.180.0.1:80')}`,
      `-A ${SVC} -m comment --comment "${NAME} -> 10.180.0.2:80" -j ${sep('10.180.0.2:80')}`,
    ],
  },
  {
    name: 'source ranges that include the node IP also let the VIP itself through',
    port: (sp) => {
      sp.loadBalancerVIPs = ['1.2.3.4'];
      sp.loadBalancerSourceRanges = ['192.168.0.0/24', '203.0.113.0/25'];
      ready(sp, '10.180.0.1');
    },
    table: 'nat',
    chain: FW,
    rules: [
      `-A ${FW} -m comment --comment "${NAME} loadbalancer IP" -s 192.168.0.0/24 -j ${EXT}`,
      `-A ${FW} -m comment --comment "${NAME} loadbalancer IP" -s 203.0.113.0/25 -j ${EXT}`,
      `-A ${FW} -m comment --comment "${NAME} loadbalancer IP" -s 1.2.3.4 -j ${EXT}`,
      `-A ${FW} -m comment --comment "other traffic to ${NAME} will be dropped by KUBE-PROXY-FIREWALL"`,
    ],
  },
  {
    name: 'IPv6 endpoints are DNATed to [ip]:port',
    port: (sp) => {
      sp.clusterIP = 'fd00:30::41';
      sp.endpoints.push(makeEndpoint('fd00:10::1', 80));
    },
    node: (node) => {
      node.ipFamily = 'IPv6';
      node.nodeIPs = ['2001:db8::1'];
      node.detectLocal = { mode: 'ClusterCIDR', cidrs: ['fd00:10::/64'] };
    },
    table: 'nat',
    chain: sep('[fd00:10::1]:80'),
    rules: [
      `-A ${sep('[fd00:10::1]:80')} -m comment --comment ${NAME} -s fd00:10::1 -j KUBE-MARK-MASQ`,
      `-A ${sep('[fd00:10::1]:80')} -m comment --comment ${NAME} -m tcp -p tcp -j DNAT --to-destination [fd00:10::1]:80`,
    ],
  },
];

describe('planIptables chain texts', () => {
  it.each(cases)('$name', ({ port, node, table, chain, rules }) => {
    expect(chainRules(plan(port, node), table, chain)).toEqual(rules);
  });
});

const NODEPORTS_COMMENT = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

describe('the jump to KUBE-NODEPORTS (last rule of nat KUBE-SERVICES)', () => {
  it.each<[string, (node: NodeDraft) => void, readonly string[]]>([
    ['all addresses, localhost node ports on', () => {}, [`-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`]],
    [
      'all addresses, localhost node ports off',
      (node) => (node.localhostNodePorts = false),
      [`-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS`],
    ],
    [
      'IPv6 never serves ::1',
      (node) => {
        node.ipFamily = 'IPv6';
        node.nodeIPs = ['2001:db8::1'];
      },
      [`-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS`],
    ],
    ['primary', (node) => (node.nodePortAddresses = ['primary']), [`-d 192.168.0.2 -j KUBE-NODEPORTS`]],
    [
      'CIDRs including loopback',
      (node) => (node.nodePortAddresses = ['127.0.0.0/8', '192.168.0.0/16']),
      [`-d 127.0.0.1 -j KUBE-NODEPORTS`, `-d 192.168.0.2 -j KUBE-NODEPORTS`],
    ],
    [
      'CIDRs over every interface address the daemon read, not only the node IP',
      (node) => {
        node.nodePortAddresses = ['192.168.0.0/16', '10.1.0.0/16'];
        node.localAddresses = ['127.0.0.1', '192.168.0.2', '192.168.7.9', '10.1.0.7', '172.16.0.1'];
      },
      [`-d 192.168.0.2 -j KUBE-NODEPORTS`, `-d 192.168.7.9 -j KUBE-NODEPORTS`, `-d 10.1.0.7 -j KUBE-NODEPORTS`],
    ],
  ])('%s', (_name, node, tails) => {
    const rules = chainRules(
      plan((sp) => ready(sp, '10.180.0.1'), node),
      'nat',
      'KUBE-SERVICES',
    );
    expect(rules.slice(-tails.length)).toEqual(tails.map((tail) => `-A KUBE-SERVICES ${NODEPORTS_COMMENT} ${tail}`));
  });
});

describe('large clusters', () => {
  it('drops per-endpoint comments above 1000 endpoints, as upstream’s largeClusterMode', () => {
    const text = plan((sp) => {
      for (let i = 0; i < 1001; i++) sp.endpoints.push(makeEndpoint(`10.1.${i >> 8}.${i & 255}`, 80));
    });
    expect(chainRules(text, 'nat', sep('10.1.0.1:80'))).toEqual([
      `-A ${sep('10.1.0.1:80')} -s 10.1.0.1 -j KUBE-MARK-MASQ`,
      `-A ${sep('10.1.0.1:80')} -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:80`,
    ]);
    // The last (unconditional) jump of the service chain carries no comment either.
    expect(chainRules(text, 'nat', SVC).at(-1)).toMatch(new RegExp(`^-A ${SVC} -j KUBE-SEP-[A-Z2-7]{16}$`));
  });
});

describe('determinism', () => {
  it('renders the same bytes whatever order the ports come in', () => {
    const ports = ['a', 'b', 'c'].map((name, index) =>
      makeServicePort('ns', name, '', (sp) => {
        sp.clusterIP = `172.30.0.${index + 1}`;
        sp.endpoints.push(makeEndpoint(`10.180.0.${index + 1}`, 80));
      }),
    );
    const forward = planIptables({ node: makeNodeContext(), servicePorts: new Map(ports.map((p) => [p.servicePortName, p])) });
    const reversed = planIptables({ node: makeNodeContext(), servicePorts: new Map([...ports].reverse().map((p) => [p.servicePortName, p])) });
    expect(reversed.restoreText).toBe(forward.restoreText);
    expect(reversed.ownedChains).toEqual(forward.ownedChains);
  });
});

describe('nfacct counters (upstream nfAcctCounters), when the daemon made sure they exist', () => {
  const nodePortService = (sp: ServicePortDraft): void => {
    sp.nodePort = 30080;
    ready(sp, '10.180.0.1');
  };

  it('counts the conntrack-INVALID drops and the localhost node-port packets', () => {
    const text = plan(nodePortService, (node) => (node.nfacctCounters = ['ct_state_invalid_dropped_pkts', 'localhost_nodeports_accepted_pkts']));
    expect(chainRules(text, 'filter', 'KUBE-FORWARD')[0]).toBe(
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP',
    );
    const { external } = serviceChainNames('ns1/svc1:p80', 'TCP');
    expect(chainRules(text, 'nat', 'KUBE-NODEPORTS')).toEqual([
      `-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 30080 -m nfacct --nfacct-name localhost_nodeports_accepted_pkts -j ${external}`,
      `-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 30080 -j ${external}`,
    ]);
  });

  it.each([
    ['no counter', (_node: NodeDraft) => {}],
    [
      'localhost node ports off',
      (node: NodeDraft) => {
        node.nfacctCounters = ['localhost_nodeports_accepted_pkts'];
        node.localhostNodePorts = false;
      },
    ],
  ])('writes no nfacct match with %s', (_name, node) => {
    expect(plan(nodePortService, node)).not.toContain('-m nfacct');
  });
});
