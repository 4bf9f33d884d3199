import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffStates } from '../../diff/diff-states.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import type { DesiredState } from '../../model/types.ts';
import { advanceKernelState } from './advance-state.ts';
import { DesiredIndex, emptyTouched } from './desired-index.ts';
import { diffKernel, type DiffInput } from './diff.ts';
import { parseIpvsadmSave } from './ipvsadm-text.ts';
import { parseKernelState, type KernelState } from './kernel-state.ts';
import type { ChangeSet } from '../../diff/change-set.ts';
import { planIpvs } from './plan.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');
const plan = (state: DesiredState, changed?: ChangeSet) => planIpvs(state, changed, 'rr');
const ownership = { family: 'IPv4' as const, excludeCIDRs: [] };
const node = makeNodeContext((n) => void (n.nodeIPs = ['172.18.0.5']));

function recorded(): KernelState {
  return parseKernelState(fixture('ipvsadm-save.txt'), fixture('ipset-save.txt'), fixture('ip-addr-kube-ipvs0.txt'), 'IPv4');
}

function cluster(dnsTcp: string[], metrics: string[], dnsUdp: string[], web: string[]): DesiredState {
  return makeState(
    [
      makeServicePort('default', 'kubernetes', 'https', (sp) => {
        sp.clusterIP = '10.96.0.1';
        sp.port = 443;
        sp.endpoints.push(makeEndpoint('172.18.0.2', 6443));
      }),
      makeServicePort('kube-system', 'kube-dns', 'dns-tcp', (sp) => {
        sp.clusterIP = '10.96.0.10';
        sp.port = 53;
        for (const ip of dnsTcp) sp.endpoints.push(makeEndpoint(ip, 53));
      }),
      makeServicePort('kube-system', 'kube-dns', 'metrics', (sp) => {
        sp.clusterIP = '10.96.0.10';
        sp.port = 9153;
        for (const ip of metrics) sp.endpoints.push(makeEndpoint(ip, 9153));
      }),
      makeServicePort('kube-system', 'kube-dns', 'dns', (sp) => {
        sp.clusterIP = '10.96.0.10';
        sp.port = 53;
        sp.protocol = 'UDP';
        for (const ip of dnsUdp) sp.endpoints.push(makeEndpoint(ip, 53));
      }),
      makeServicePort('default', 'web', 'http', (sp) => {
        sp.clusterIP = '10.96.5.5';
        for (const ip of web) sp.endpoints.push(makeEndpoint(ip, 8080));
      }),
    ],
    node,
  );
}

function fullIndex(state: DesiredState): DesiredIndex {
  const index = new DesiredIndex();
  for (const [name, portPlan] of plan(state).ports) index.setPort(name, portPlan);
  return index;
}

describe('parsing the recorded tool outputs', () => {
  it('reads virtual servers with their weights and skips firewall-mark services', () => {
    const parsed = parseIpvsadmSave(fixture('ipvsadm-save.txt'));
    expect([...parsed.virtualServers.keys()]).toEqual([
      '-t 10.96.0.1:443',
      '-t 10.96.0.10:53',
      '-t 10.96.0.10:9153',
      '-u 10.96.0.10:53',
      '-t 10.96.99.99:80',
      '-t 172.18.0.5:30080',
      '-t 192.0.2.50:8080',
    ]);
    expect(parsed.virtualServers.get('-t 10.96.0.10:9153')?.reals).toEqual([
      { address: '10.244.0.2', port: 9153, weight: 1 },
      { address: '10.244.0.3', port: 9153, weight: 0 },
    ]);
    expect(parsed.skipped).toEqual(['-A -f 7 -s rr', '-a -f 7 -r 192.0.2.61:0 -g -w 1']);
  });

  it('reads only kpx sets of its family, and kube-ipvs0 addresses of its family', () => {
    const state = recorded();
    expect([...state.sets.keys()].sort()).toEqual(['KUBE-CLUSTER-IP', 'KUBE-IPVS-IPS', 'KUBE-LOOP-BACK', 'KUBE-NODE-PORT-TCP']);
    expect([...state.addresses]).toEqual(['10.96.0.1', '10.96.0.10', '10.96.99.99']);
  });

  it('reads IPv6 virtual servers in brackets', () => {
    const parsed = parseIpvsadmSave('-A -t [fd00:10:96::1]:443 -s rr -p 10800\n-a -t [fd00:10:96::1]:443 -r [fd00:10:244::2]:6443 -m -w 1\n');
    expect(parsed.virtualServers.get('-t [fd00:10:96::1]:443')).toEqual({
      service: { protocol: 'TCP', address: 'fd00:10:96::1', port: 443, scheduler: 'rr', persistentSeconds: 10800, schedulerFlags: undefined },
      reals: [{ address: 'fd00:10:244::2', port: 6443, weight: 1 }],
    });
  });
});

describe('diffKernel against the recorded kernel state', () => {
  const desired = cluster(['10.244.0.2'], ['10.244.0.2', '10.244.0.3'], ['10.244.0.2'], ['10.244.0.7']);
  const input: DiffInput = { desired: fullIndex(desired), observed: recorded(), scope: 'all', ownership, draining: new Map() };
  const batch = diffKernel(input);

  it('adds, edits weights, drains TCP, deletes UDP at once and removes only its own stale virtual servers', () => {
    expect(batch.ipvsLines).toEqual([
      '-e -t 10.96.0.10:53 -r 10.244.0.3:53 -m -w 0',
      '-e -t 10.96.0.10:9153 -r 10.244.0.3:9153 -m -w 1',
      '-A -t 10.96.5.5:80 -s rr',
      '-a -t 10.96.5.5:80 -r 10.244.0.7:8080 -m -w 1',
      '-D -t 10.96.99.99:80',
      '-D -t 172.18.0.5:30080',
      '-d -u 10.96.0.10:53 -r 10.244.0.3:53',
    ]);
    expect(batch.drainStarted).toEqual(['-t 10.96.0.10:53 -r 10.244.0.3:53']);
    expect(batch.removedAtOnce).toEqual([{ service: expect.objectContaining({ protocol: 'UDP', address: '10.96.0.10' }), address: '10.244.0.3', port: 53 }]);
    expect(batch.removedServices.map((service) => service.address)).toEqual(['10.96.99.99', '172.18.0.5']);
  });

  it('creates the missing sets, adds and deletes entries, never touching other programs’ sets', () => {
    expect(batch.ipsetLines.filter((line) => line.startsWith('create')).length).toBe(13);
    expect(batch.ipsetLines.filter((line) => !line.startsWith('create'))).toEqual([
      'add KUBE-CLUSTER-IP 10.96.5.5,tcp:80',
      'add KUBE-IPVS-IPS 10.96.5.5',
      'del KUBE-CLUSTER-IP 10.96.99.99,tcp:80',
      'del KUBE-IPVS-IPS 10.96.99.99',
      'del KUBE-LOOP-BACK 10.244.0.3,tcp:53,10.244.0.3',
      'del KUBE-NODE-PORT-TCP 30080',
    ]);
  });

  it('binds new service addresses and unbinds stale ones on kube-ipvs0', () => {
    expect(batch.addressAdds).toEqual(['address add 10.96.5.5/32 dev kube-ipvs0']);
    expect(batch.addressDeletes).toEqual(['address del 10.96.99.99/32 dev kube-ipvs0']);
  });

  it('leaves virtual servers in --ipvs-exclude-cidrs alone', () => {
    const excluded = diffKernel({ ...input, observed: recorded(), ownership: { family: 'IPv4', excludeCIDRs: ['10.96.99.0/24'] } });
    expect(excluded.ipvsLines).not.toContain('-D -t 10.96.99.99:80');
    expect(excluded.ipvsLines).toContain('-D -t 172.18.0.5:30080');
  });

  it('finds nothing to do once the batch is applied', () => {
    const after = recorded();
    const applied: DiffInput = { ...input, observed: after };
    advanceKernelState(applied, diffKernel(applied), new Set(['-t 10.96.0.10:53 -r 10.244.0.3:53']));
    const again = diffKernel({ ...applied, draining: new Map([['-t 10.96.0.10:53 -r 10.244.0.3:53', 0]]) });
    expect(again.ipvsLines).toEqual([]);
    expect(again.ipsetLines.filter((line) => !line.startsWith('create'))).toEqual([]);
    expect(again.addressAdds).toEqual([]);
  });
});

describe('one-endpoint change', () => {
  it.each([
    ['an endpoint joins', ['10.244.0.7'], ['10.244.0.7', '10.244.0.8'], '-a -t 10.96.5.5:80 -r 10.244.0.8:8080 -m -w 1'],
    ['an endpoint leaves (drains at weight 0)', ['10.244.0.7', '10.244.0.8'], ['10.244.0.7'], '-e -t 10.96.5.5:80 -r 10.244.0.8:8080 -m -w 0'],
  ])('%s: one line of batch input in all, at 1000 services', (_name, before, after, line) => {
    const filler = Array.from({ length: 1000 }, (_, n) =>
      makeServicePort('bulk', `svc${n}`, 'p', (sp) => {
        sp.clusterIP = `10.97.${Math.floor(n / 250)}.${n % 250}`;
        sp.endpoints.push(makeEndpoint(`10.245.${Math.floor(n / 250)}.${n % 250}`, 80));
      }),
    );
    const previous = makeState([...filler, ...cluster([], [], [], before).servicePorts.values()], node);
    const next = makeState([...filler, ...cluster([], [], [], after).servicePorts.values()], node);
    const index = fullIndex(previous);
    const observed: KernelState = { virtualServers: new Map(), sets: new Map(), addresses: new Set() };
    const first: DiffInput = { desired: index, observed, scope: 'all', ownership, draining: new Map() };
    advanceKernelState(first, diffKernel(first), new Set());
    const partial = plan(next, diffStates(previous, next));
    const touched = emptyTouched();
    for (const [name, portPlan] of partial.ports) index.setPort(name, portPlan, touched);
    const batch = diffKernel({ desired: index, observed, scope: touched, ownership, draining: new Map() });
    expect([...batch.ipvsLines, ...batch.ipsetLines, ...batch.addressAdds, ...batch.addressDeletes]).toEqual([line]);
  });
});
