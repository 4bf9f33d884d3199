// ipvs mode serving IPv4 and IPv6 at once, with real packets in the kernel VM (the host has no
// ip_vs): see ipvs-dual-stack.vm-script.ts. One VM boot; the script prints what it saw as JSON.
import { beforeAll, expect, it } from 'vitest';
import { describeInVm, nodeCommand, runCommandsInVm, VM_HOOK_TIMEOUT_MS, type VmCommandResult } from './vm.ts';

const MODULES = ['nf_tables', 'ip_vs', 'ip_vs_rr', 'dummy', 'veth', 'xt_set', 'ip_set', 'xt_ipvs', 'xt_physdev'];

interface Report {
  ipFamilies?: string[];
  webV4: string[];
  webV6: string[];
  dnsV6: string[];
  save: string;
  sets: string[];
  dummy4: string;
  dummy6: string;
  clusterIpSet6: string;
  error?: string;
}

await describeInVm('ipvs mode serving IPv4 and IPv6 in the kernel VM', { modules: MODULES }, () => {
  let result: VmCommandResult | undefined;
  let report: Report;

  beforeAll(async () => {
    const run = await runCommandsInVm([{ argv: nodeCommand('test/kernel/ipvs-dual-stack.vm-script.ts'), timeoutMs: 480_000 }], {
      modules: MODULES,
      timeoutMs: 570_000,
    });
    result = run.results[0];
    report = JSON.parse(result?.stdout || '{}') as Report;
  }, VM_HOOK_TIMEOUT_MS);

  it('runs one daemon with a proxier per family, and every probe', () => {
    expect(result?.exitCode, `${result?.stderr}\n${JSON.stringify(report, null, 1)}`).toBe(0);
    expect(report.ipFamilies).toEqual(['IPv4', 'IPv6']);
  });

  it('makes an IPv6 ClusterIP a virtual server with the IPv6 pods as real servers', () => {
    expect(report.save).toContain('-A -t [fd00:10:96::10]:80 -s rr');
    expect(report.save).toContain('-a -t [fd00:10:96::10]:80 -r [fd00:10:240:1::2]:8080 -m -w 1');
    expect(report.save).toContain('-a -t [fd00:10:96::10]:80 -r [fd00:10:240:2::2]:8080 -m -w 1');
    expect(report.save).toContain('-A -u [fd00:10:96::53]:53 -s rr');
    // The IPv4 family's servers sit beside them.
    expect(report.save).toContain('-a -t 10.96.0.10:80 -r 10.240.1.2:8080 -m -w 1');
  });

  it('carries TCP over both ClusterIPs of a dual-stack Service, and UDP over IPv6, to both pods', () => {
    expect(new Set(report.webV4)).toEqual(new Set(['pod-a', 'pod-b']));
    expect(new Set(report.webV6)).toEqual(new Set(['pod-a', 'pod-b']));
    expect(new Set(report.dnsV6)).toEqual(new Set(['pod-a', 'pod-b']));
  });

  it('keeps the IPv6 family in KUBE-6-* ipsets, and its ClusterIPs on kube-ipvs0 beside the IPv4 ones', () => {
    expect(report.sets).toContain('KUBE-6-CLUSTER-IP');
    expect(report.sets).toContain('KUBE-CLUSTER-IP');
    expect(report.clusterIpSet6).toContain('fd00:10:96::10,tcp:80');
    expect(report.clusterIpSet6).toContain('fd00:10:96::53,udp:53');
    expect(report.dummy6).toContain('fd00:10:96::10/128');
    expect(report.dummy6).toContain('fd00:10:96::53/128');
    expect(report.dummy4).toContain('10.96.0.10/32');
  });
});
