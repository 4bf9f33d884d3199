// The ipvs-mode scenarios with real packets in the kernel VM (the host has no ip_vs):
// see ipvs-scenarios.vm-script.ts. One VM boot; the script prints what it saw as JSON.
import { beforeAll, expect, it } from 'vitest';
import { describeInVm, nodeCommand, runCommandsInVm, VM_HOOK_TIMEOUT_MS, type VmCommandResult } from './vm.ts';

const MODULES = ['nf_tables', 'ip_vs', 'ip_vs_rr', 'ip_vs_sh', 'dummy', 'veth', 'xt_set', 'ip_set', 'xt_ipvs', 'xt_physdev', 'sctp'];

interface Report {
  sticky: string[];
  empty: string[];
  lbOpen: string[];
  lbClosed: string[];
  hairpin: string[];
  externalIP: string[];
  rrSpread: string[];
  shSpread: string[];
  sctp: string[];
  save: string;
  shSave: string;
  error?: string;
}

await describeInVm('ipvs scenarios in the kernel VM', { modules: MODULES }, () => {
  let result: VmCommandResult | undefined;
  let report: Report;

  beforeAll(async () => {
    const run = await runCommandsInVm([{ argv: nodeCommand('test/kernel/ipvs-scenarios.vm-script.ts'), timeoutMs: 300_000 }], {
      modules: MODULES,
      timeoutMs: 420_000,
    });
    result = run.results[0];
    report = JSON.parse(result?.stdout || '{}') as Report;
  }, VM_HOOK_TIMEOUT_MS);

  it('runs every scenario', () => {
    expect(result?.exitCode, `${result?.stderr}\n${JSON.stringify(report, null, 1)}`).toBe(0);
  });

  it('keeps a client on one endpoint with ClientIP affinity (persistence with the timeout)', () => {
    expect(report.save).toContain('-A -t 10.96.1.1:80 -s rr -p 60');
    expect(new Set(report.sticky).size).toBe(1);
    expect(report.sticky).toHaveLength(6);
  });

  it('refuses connections to a service without endpoints', () => {
    expect(report.empty).toEqual(['error:ECONNREFUSED']);
  });

  it('lets a source range in and drops everything else at the load balancer IP', () => {
    expect(report.lbOpen.every((answer) => answer === 'pod-a' || answer === 'pod-b')).toBe(true);
    expect(report.lbClosed).toEqual(['timeout']);
  });

  it('masquerades hairpin traffic so an endpoint reaches itself through its service', () => {
    expect(report.hairpin).toEqual(['pod-a', 'pod-a']);
  });

  it('serves an external IP', () => {
    expect(new Set(report.externalIP)).toEqual(new Set(['pod-a', 'pod-b']));
  });

  it('carries SCTP associations through a ClusterIP to both endpoints', () => {
    expect(report.save).toContain('-A --sctp-service 10.96.1.8:3868 -s rr');
    expect(new Set(report.sctp)).toEqual(new Set(['pod-a', 'pod-b']));
  });

  it('spreads with rr and keeps one source on one endpoint with sh', () => {
    expect(new Set(report.rrSpread)).toEqual(new Set(['pod-a', 'pod-b']));
    expect(report.shSave).toContain('-A -t 10.96.1.7:80 -s sh');
    expect(new Set(report.shSpread).size).toBe(1);
  });
});
