import { describe, expect, it } from 'vitest';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState, type ServicePortDraft } from '../../../../../test/helpers/state-builders.ts';
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState } from '../../model/types.ts';
import { planIpvs } from './plan.ts';
import { serviceSpec } from './ipvsadm-text.ts';
import { entryKey } from './desired-index.ts';
import type { IpvsPlan } from './plan-types.ts';

const plan = (state: DesiredState, changed?: ChangeSet): IpvsPlan => planIpvs(state, changed, 'rr');

function planOne(mutate: (draft: ServicePortDraft) => void, planner = plan): IpvsPlan {
  return planner(makeState([makeServicePort('ns1', 'svc1', 'p80', mutate)]));
}

function summary(result: IpvsPlan): { virtualServers: string[]; entries: string[]; addresses: string[] } {
  const port = [...result.ports.values()][0];
  return {
    virtualServers: (port?.virtualServers ?? []).map(
      (vs) =>
        `${serviceSpec(vs)} ${vs.scheduler}${vs.persistentSeconds === undefined ? '' : ` p${vs.persistentSeconds}`} → ${vs.realServers.map((r) => `${r.address}:${r.port}`).join(',')}`,
    ),
    entries: (port?.setEntries ?? []).map(({ set, entry }) => entryKey(set, entry)),
    addresses: [...(port?.boundAddresses ?? [])],
  };
}

const remote = makeEndpoint('10.180.0.1', 8080);
const local = makeEndpoint('10.180.0.2', 8080, (e) => void (e.isLocal = true));

describe('planIpvs: one service port', () => {
  it.each<[string, (draft: ServicePortDraft) => void, ReturnType<typeof summary>]>([
    [
      'ClusterIP TCP',
      (sp) => void sp.endpoints.push(remote),
      {
        virtualServers: ['-t 172.30.0.1:80 rr → 10.180.0.1:8080'],
        entries: ['KUBE-CLUSTER-IP 172.30.0.1,tcp:80', 'KUBE-IPVS-IPS 172.30.0.1'],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'ClusterIP UDP with a local endpoint (hairpin entry)',
      (sp) => {
        sp.protocol = 'UDP';
        sp.endpoints.push(remote, local);
      },
      {
        virtualServers: ['-u 172.30.0.1:80 rr → 10.180.0.1:8080,10.180.0.2:8080'],
        entries: ['KUBE-LOOP-BACK 10.180.0.2,udp:8080,10.180.0.2', 'KUBE-CLUSTER-IP 172.30.0.1,udp:80', 'KUBE-IPVS-IPS 172.30.0.1'],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'SCTP NodePort: hash:ip,port node port entries per node address',
      (sp) => {
        sp.protocol = 'SCTP';
        sp.nodePort = 30001;
        sp.endpoints.push(remote);
      },
      {
        virtualServers: ['--sctp-service 172.30.0.1:80 rr → 10.180.0.1:8080', '--sctp-service 192.168.0.2:30001 rr → 10.180.0.1:8080'],
        entries: ['KUBE-CLUSTER-IP 172.30.0.1,sctp:80', 'KUBE-NODE-PORT-SCTP-HASH 192.168.0.2,sctp:30001', 'KUBE-IPVS-IPS 172.30.0.1'],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'ClientIP affinity: persistence with the timeout',
      (sp) => {
        sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 10800 };
        sp.endpoints.push(remote);
      },
      {
        virtualServers: ['-t 172.30.0.1:80 rr p10800 → 10.180.0.1:8080'],
        entries: ['KUBE-CLUSTER-IP 172.30.0.1,tcp:80', 'KUBE-IPVS-IPS 172.30.0.1'],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'NodePort with Local policy: local endpoints for external traffic, cluster ones for the ClusterIP',
      (sp) => {
        sp.nodePort = 30002;
        sp.externalPolicyLocal = true;
        sp.endpoints.push(remote, local);
      },
      {
        virtualServers: ['-t 172.30.0.1:80 rr → 10.180.0.1:8080,10.180.0.2:8080', '-t 192.168.0.2:30002 rr → 10.180.0.2:8080'],
        entries: [
          'KUBE-LOOP-BACK 10.180.0.2,tcp:8080,10.180.0.2',
          'KUBE-CLUSTER-IP 172.30.0.1,tcp:80',
          'KUBE-NODE-PORT-TCP 30002',
          'KUBE-NODE-PORT-LOCAL-TCP 30002',
          'KUBE-IPVS-IPS 172.30.0.1',
        ],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'Local policy without local endpoints falls back to cluster endpoints (upstream #97081)',
      (sp) => {
        sp.nodePort = 30003;
        sp.externalPolicyLocal = true;
        sp.endpoints.push(remote);
      },
      {
        virtualServers: ['-t 172.30.0.1:80 rr → 10.180.0.1:8080', '-t 192.168.0.2:30003 rr → 10.180.0.1:8080'],
        entries: ['KUBE-CLUSTER-IP 172.30.0.1,tcp:80', 'KUBE-NODE-PORT-TCP 30003', 'KUBE-NODE-PORT-LOCAL-TCP 30003', 'KUBE-IPVS-IPS 172.30.0.1'],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'internalTrafficPolicy Local: only local endpoints behind the ClusterIP',
      (sp) => {
        sp.internalPolicyLocal = true;
        sp.endpoints.push(remote, local);
      },
      {
        virtualServers: ['-t 172.30.0.1:80 rr → 10.180.0.2:8080'],
        entries: ['KUBE-LOOP-BACK 10.180.0.2,tcp:8080,10.180.0.2', 'KUBE-CLUSTER-IP 172.30.0.1,tcp:80', 'KUBE-IPVS-IPS 172.30.0.1'],
        addresses: ['172.30.0.1'],
      },
    ],
    [
      'external IPs: bound unless the node owns them',
      (sp) => {
        sp.externalIPs = ['1.2.3.4', '192.168.0.2'];
        sp.endpoints.push(remote);
      },
      {
        virtualServers: ['-t 172.30.0.1:80 rr → 10.180.0.1:8080', '-t 1.2.3.4:80 rr → 10.180.0.1:8080', '-t 192.168.0.2:80 rr → 10.180.0.1:8080'],
        entries: [
          'KUBE-CLUSTER-IP 172.30.0.1,tcp:80',
          'KUBE-EXTERNAL-IP 1.2.3.4,tcp:80',
          'KUBE-EXTERNAL-IP 192.168.0.2,tcp:80',
          'KUBE-IPVS-IPS 172.30.0.1',
          'KUBE-IPVS-IPS 1.2.3.4',
        ],
        addresses: ['172.30.0.1', '1.2.3.4'],
      },
    ],
    [
      'LoadBalancer with source ranges covering the node, Local policy, health check port',
      (sp) => {
        sp.loadBalancerVIPs = ['5.6.7.8'];
        sp.loadBalancerSourceRanges = ['192.168.0.0/24', '10.1.2.3/32'];
        sp.externalPolicyLocal = true;
        sp.healthCheckNodePort = 32000;
        sp.endpoints.push(local);
      },
      {
        virtualServers: ['-t 172.30.0.1:80 rr → 10.180.0.2:8080', '-t 5.6.7.8:80 rr → 10.180.0.2:8080'],
        entries: [
          'KUBE-LOOP-BACK 10.180.0.2,tcp:8080,10.180.0.2',
          'KUBE-CLUSTER-IP 172.30.0.1,tcp:80',
          'KUBE-LOAD-BALANCER 5.6.7.8,tcp:80',
          'KUBE-LOAD-BALANCER-LOCAL 5.6.7.8,tcp:80',
          'KUBE-LOAD-BALANCER-FW 5.6.7.8,tcp:80',
          'KUBE-LOAD-BALANCER-SOURCE-CIDR 5.6.7.8,tcp:80,192.168.0.0/24',
          'KUBE-LOAD-BALANCER-SOURCE-CIDR 5.6.7.8,tcp:80,10.1.2.3',
          'KUBE-LOAD-BALANCER-SOURCE-IP 5.6.7.8,tcp:80,5.6.7.8',
          'KUBE-HEALTH-CHECK-NODE-PORT 32000',
          'KUBE-IPVS-IPS 172.30.0.1',
          'KUBE-IPVS-IPS 5.6.7.8',
        ],
        addresses: ['172.30.0.1', '5.6.7.8'],
      },
    ],
    [
      'no endpoints: the virtual server exists without real servers (connections are refused)',
      () => undefined,
      { virtualServers: ['-t 172.30.0.1:80 rr → '], entries: ['KUBE-CLUSTER-IP 172.30.0.1,tcp:80', 'KUBE-IPVS-IPS 172.30.0.1'], addresses: ['172.30.0.1'] },
    ],
  ])('%s', (_name, mutate, expected) => {
    expect(summary(planOne(mutate))).toEqual(expected);
  });

  it('uses the configured scheduler, and mh with its source-port flag', () => {
    const withSh = planOne(
      (sp) => void sp.endpoints.push(remote),
      (state: DesiredState) => planIpvs(state, undefined, 'sh'),
    );
    expect([...withSh.ports.values()][0]?.virtualServers[0]).toMatchObject({ scheduler: 'sh', schedulerFlags: undefined });
    const withMh = planOne(
      (sp) => void sp.endpoints.push(remote),
      (state: DesiredState) => planIpvs(state, undefined, 'mh'),
    );
    expect([...withMh.ports.values()][0]?.virtualServers[0]).toMatchObject({ scheduler: 'mh', schedulerFlags: 'mh-port' });
  });

  it('blocks the node from a source-ranged load balancer that does not allow it (KUBE-IPVS-OUT-FILTER)', () => {
    const result = planOne((sp) => {
      sp.loadBalancerVIPs = ['5.6.7.8'];
      sp.loadBalancerSourceRanges = ['203.0.113.0/24'];
    });
    expect(result.iptables?.restoreText).toContain('-A KUBE-IPVS-OUT-FILTER -s 5.6.7.8 -m ipvs --vaddr 5.6.7.8 --vproto tcp --vport 80 -j DROP');
  });

  it('serves node ports only on node addresses inside --nodeport-addresses, never loopback', () => {
    const node = makeNodeContext((n) => {
      n.nodeIPs = ['192.168.0.2', '10.0.5.5'];
      n.nodePortAddresses = ['10.0.0.0/8', '127.0.0.0/8'];
    });
    const state = makeState([makeServicePort('ns1', 'svc1', 'p80', (sp) => void (sp.nodePort = 30004))], node);
    const keys = [...plan(state).ports.values()][0]?.virtualServers.map(serviceSpec);
    expect(keys).toEqual(['-t 172.30.0.1:80', '-t 10.0.5.5:30004']);
  });

  it('serves node ports on every interface address the daemon read, minus loopback, with or without CIDRs', () => {
    const state = (nodePortAddresses: string[]) =>
      makeState(
        [makeServicePort('ns1', 'svc1', 'p80', (sp) => void (sp.nodePort = 30004))],
        makeNodeContext((n) => {
          n.nodeIPs = ['192.168.0.2'];
          n.localAddresses = ['127.0.0.1', '192.168.0.2', '10.0.5.5', '172.16.0.1'];
          n.nodePortAddresses = nodePortAddresses;
        }),
      );
    const keys = (nodePortAddresses: string[]) => [...plan(state(nodePortAddresses)).ports.values()][0]?.virtualServers.map(serviceSpec);
    expect(keys([])).toEqual(['-t 172.30.0.1:80', '-t 192.168.0.2:30004', '-t 10.0.5.5:30004', '-t 172.16.0.1:30004']);
    expect(keys(['10.0.0.0/8'])).toEqual(['-t 172.30.0.1:80', '-t 10.0.5.5:30004']);
  });

  it('names the IPv6 sets KUBE-6-…', () => {
    const node = makeNodeContext((n) => {
      n.ipFamily = 'IPv6';
      n.nodeIPs = ['fd00::2'];
      n.detectLocal = { mode: 'None' };
    });
    const state = makeState([makeServicePort('ns1', 'svc1', 'p80', (sp) => void (sp.clusterIP = 'fd00:30::1'))], node);
    const text = plan(state).iptables?.restoreText ?? '';
    expect(text).toContain('--match-set KUBE-6-CLUSTER-IP src,dst -j KUBE-MARK-MASQ');
    expect(text).toContain('-A KUBE-SERVICES -s ::1/128 -j RETURN');
  });
});

describe('planIpvs: partial plans', () => {
  it('carries only the changed ports and names the removed ones', () => {
    const state = makeState([makeServicePort('ns1', 'a', 'p', (sp) => void sp.endpoints.push(remote)), makeServicePort('ns1', 'b', 'p')]);
    const result = plan(state, { full: false, changed: new Set(['ns1/a:p', 'ns1/gone:p']), deleted: new Set(), previous: new Map() });
    expect([...result.ports.keys()]).toEqual(['ns1/a:p']);
    expect(result.removed).toEqual(['ns1/gone:p']);
    expect(result.iptables).toBeUndefined();
    expect(result.full).toBe(false);
  });
});
