import { describe, expect, it } from 'vitest';
import { describeFlow, describeOutcome, traceFlow, tracePacket, type Packet } from './trace-packet.ts';
import type { JumpRule } from '@kpx/agent/netfilter/jump-rule.ts';

const rules = `*filter
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -m comment --comment "no endpoints" -m tcp -p tcp -d 172.30.0.9 --dport 80 -j REJECT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:SVC - [0:0]
:SEP-A - [0:0]
:SEP-B - [0:0]
:SEP-C - [0:0]
-A KUBE-SERVICES -m tcp -p tcp -d 172.30.0.1 --dport 80 -j SVC
-A KUBE-SERVICES -m udp -p udp -d 172.30.0.2 --dport 53 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m udp -p udp -d 172.30.0.2 --dport 53 -j SEP-C
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30000 -i eth+ -j SEP-C
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A SVC -m recent --name SEP-A --rcheck --seconds 10 --reap -j SEP-A
-A SVC -m statistic --mode random --probability 0.5000000000 -j SEP-A
-A SVC -j SEP-B
-A SEP-A -m tcp -p tcp -j DNAT --to-destination 10.0.0.1:8080
-A SEP-B -s 10.0.0.2 -j KUBE-MARK-MASQ
-A SEP-B -m tcp -p tcp -j DNAT --to-destination 10.0.0.2:8080
-A SEP-C -j DNAT --to-destination [fd00::3]:53
COMMIT
`;

const options = { localAddresses: ['192.168.0.2'] };
const packet = (over: Partial<Packet>): Packet => ({ sourceIP: '10.0.0.9', destinationIP: '172.30.0.1', protocol: 'TCP', destinationPort: 80, ...over });
const trace = (over: Partial<Packet>) => tracePacket(rules, 'nat', 'KUBE-SERVICES', packet(over), options).map(describeOutcome).sort();

describe('tracePacket', () => {
  it('explores both sides of -m statistic and -m recent', () => {
    expect(trace({})).toEqual(['DNAT 10.0.0.1:8080', 'DNAT 10.0.0.2:8080']);
  });

  it('follows marks set by jumped-to chains', () => {
    expect(trace({ sourceIP: '10.0.0.2' })).toEqual(['DNAT 10.0.0.1:8080', 'DNAT 10.0.0.2:8080 mark=0x4000']);
  });

  it('matches protocol, port and negated source', () => {
    expect(trace({ destinationIP: '172.30.0.2', protocol: 'UDP', destinationPort: 53, sourceIP: '192.168.5.5' })).toEqual(['DNAT [fd00::3]:53 mark=0x4000']);
    expect(trace({ destinationIP: '172.30.0.2', protocol: 'UDP', destinationPort: 53 })).toEqual(['DNAT [fd00::3]:53']);
    expect(trace({ destinationIP: '172.30.0.2', protocol: 'TCP', destinationPort: 53 })).toEqual(['RETURN']);
  });

  it('matches local destinations and interface wildcards', () => {
    expect(trace({ destinationIP: '192.168.0.2', destinationPort: 30000, inInterface: 'eth0' })).toEqual(['DNAT [fd00::3]:53']);
    expect(trace({ destinationIP: '192.168.0.3', destinationPort: 30000, inInterface: 'eth0' })).toEqual(['RETURN']);
    expect(trace({ destinationIP: '192.168.0.2', destinationPort: 30000, inInterface: 'cbr0' })).toEqual(['RETURN']);
  });

  it('refuses syntax it does not understand instead of guessing', () => {
    const odd = rules.replace('-j SEP-C\nCOMMIT', '-j SEP-C\n-A SEP-C -m set --match-set X dst -j DROP\nCOMMIT');
    expect(() => tracePacket(odd, 'nat', 'SEP-C', packet({}), options)).not.toThrow();
    expect(() => tracePacket(odd.replace('-A SEP-C -j DNAT', '-A SEP-C -m set --match-set X dst -j DNAT'), 'nat', 'SEP-C', packet({}), options)).toThrow(
      'does not understand --match-set',
    );
  });
});

describe('traceFlow', () => {
  const jumpRules: JumpRule[] = [
    { table: 'filter', chain: 'FORWARD', target: 'KUBE-SERVICES', args: ['-m', 'conntrack', '--ctstate', 'NEW'], position: 'prepend' },
    { table: 'nat', chain: 'PREROUTING', target: 'KUBE-SERVICES', args: [], position: 'prepend' },
    { table: 'nat', chain: 'POSTROUTING', target: 'KUBE-POSTROUTING', args: [], position: 'prepend' },
  ];
  const flow = (over: Partial<Packet>) => traceFlow({ restoreText: rules, jumpRules }, packet(over), options).map(describeFlow).sort();

  it('DNATs in nat, filters the translated packet, and reports masquerading from POSTROUTING', () => {
    expect(flow({ sourceIP: '10.0.0.2' })).toEqual(['10.0.0.1:8080', '10.0.0.2:8080 masq']);
  });

  it('applies filter verdicts to packets nat left alone', () => {
    expect(flow({ destinationIP: '172.30.0.9' })).toEqual(['REJECT']);
    expect(flow({ destinationIP: '172.30.0.9', ctStates: ['ESTABLISHED'] })).toEqual(['ACCEPT']);
  });
});
