// The IPVS dataplane against a real kernel (the VM: the host has no ip_vs): kpx programs
// a namespaced "node" with ipvsadm-restore, ipset restore, iptables-restore and ip, and
// real TCP and UDP traffic from a client namespace reaches echo servers through a
// ClusterIP and a NodePort. One VM boot; the script prints what it saw as JSON.
import { beforeAll, expect, it } from 'vitest';
import { describeInVm, nodeCommand, runCommandsInVm, VM_HOOK_TIMEOUT_MS, type VmCommandResult } from './vm.ts';

const MODULES = ['nf_tables', 'ip_vs', 'ip_vs_rr', 'dummy', 'veth', 'xt_set', 'ip_set', 'nf_conntrack'];

interface Report {
  fullSync: Record<string, number>;
  saveAfterFull: string;
  clusterTcp: string[];
  nodePortTcp: string[];
  clusterUdpBefore: string[];
  oneEndpoint: Record<string, number>;
  oneEndpointMs: number;
  clusterUdpAfter: string[];
  removal: Record<string, number>;
  saveAfterRemoval: string;
  listAfterRemoval: string;
  drainTimeout: Record<string, number>;
  saveAfterDrain: string;
  clusterTcpAfterRemoval: string[];
  resync: Record<string, number>;
  observe: string;
  saveAfterCleanup: string;
  setsAfterCleanup: string;
}

await describeInVm('ipvs dataplane in the kernel VM', { modules: MODULES }, () => {
  let result: VmCommandResult | undefined;
  let report: Report;

  beforeAll(async () => {
    const run = await runCommandsInVm([{ argv: nodeCommand('test/kernel/ipvs-dataplane.vm-script.ts'), timeoutMs: 240_000 }], {
      modules: MODULES,
      timeoutMs: 360_000,
    });
    result = run.results[0];
    report = JSON.parse(result?.stdout || '{}') as Report;
  }, VM_HOOK_TIMEOUT_MS);

  it('runs the scenario to the end', () => {
    expect(result?.exitCode, `${result?.stderr}\n${JSON.stringify(report, null, 1)}`).toBe(0);
  });

  it('programs the virtual servers in one full sync', () => {
    expect(report.saveAfterFull).toContain('-A -t 10.96.0.10:80 -s rr');
    expect(report.saveAfterFull).toMatch(/-a -t 10\.96\.0\.10:80 -r 10\.240\.2\.2:8080 -m -w 1/);
    expect(report.saveAfterFull).toContain('-A -t 10.240.3.1:30080 -s rr');
    expect(report.saveAfterFull).toContain('-A -u 10.96.0.53:53 -s rr');
  });

  it('spreads TCP over both endpoints through the ClusterIP and answers on the NodePort', () => {
    expect([...report.clusterTcp].sort()).toEqual([...Array(5).fill('pod-a'), ...Array(5).fill('pod-b')]);
    expect(report.nodePortTcp.every((answer) => answer === 'pod-a' || answer === 'pod-b')).toBe(true);
    expect(new Set(report.nodePortTcp).size).toBe(2);
  });

  it('carries UDP through the ClusterIP', () => {
    expect(report.clusterUdpBefore).toEqual(['pod-a', 'pod-a', 'pod-a', 'pod-a']);
  });

  it('applies a one-endpoint change as one line of ipvsadm -R input and nothing else', () => {
    expect(report.oneEndpoint).toMatchObject({ ipvsLines: 1, ipsetLines: 0, addressChanges: 0, iptablesApplied: 0 });
    expect(new Set(report.clusterUdpAfter)).toEqual(new Set(['pod-a', 'pod-b']));
    console.info(`[ipvs VM] one-endpoint change applied in ${report.oneEndpointMs.toFixed(1)} ms (2 services)`);
  });

  it('drains a removed TCP endpoint: weight 0 on each of its virtual servers, no new connections, gone after the timeout', () => {
    expect(report.removal, report.listAfterRemoval).toMatchObject({ ipvsLines: 2, draining: 2, drained: 0 });
    expect(report.saveAfterRemoval).toContain('-a -t 10.96.0.10:80 -r 10.240.2.2:8080 -m -w 0');
    expect(report.saveAfterRemoval).toContain('-a -t 10.240.3.1:30080 -r 10.240.2.2:8080 -m -w 0');
    expect(report.clusterTcpAfterRemoval).toEqual(['pod-a', 'pod-a', 'pod-a', 'pod-a']);
    expect(report.drainTimeout).toMatchObject({ ipvsLines: 0, drained: 2, draining: 0 });
    expect(report.saveAfterDrain).not.toContain('10.240.2.2:8080');
  });

  it('finds nothing to change on a full resync, and cleans up only what it owns', () => {
    expect(report.resync).toMatchObject({ ipvsLines: 0, ipsetLines: 0, addressChanges: 0 });
    expect(report.observe).toContain('address add 10.96.0.10/32 dev kube-ipvs0');
    expect(report.saveAfterCleanup.trim()).toBe('');
    expect(report.setsAfterCleanup.trim()).toBe('');
  });
});
