// The userspace mode's SCTP path against a real kernel (the VM: the host has no SCTP):
// one-to-one SCTP sockets made through koffi, relayed round robin, a 16 MiB checksummed
// transfer, and a service without endpoints refused. One VM boot.
import { beforeAll, expect, it } from 'vitest';
import { describeInVm, nodeCommand, runCommandsInVm, VM_HOOK_TIMEOUT_MS, type VmCommandResult } from './vm.ts';

const MODULES = ['sctp'];

interface Report {
  transport: boolean;
  figures: Record<string, number>;
  names: string[];
  transfer: { sent: string; echoed: string };
  empty: string;
}

await describeInVm('userspace SCTP in the kernel VM', { modules: MODULES }, () => {
  let result: VmCommandResult | undefined;
  let report: Report;

  beforeAll(async () => {
    const run = await runCommandsInVm([{ argv: nodeCommand('test/kernel/userspace-sctp.vm-script.ts'), timeoutMs: 180_000 }], {
      modules: MODULES,
      timeoutMs: 300_000,
    });
    result = run.results[0];
    report = JSON.parse(result?.stdout || '{}') as Report;
  }, VM_HOOK_TIMEOUT_MS);

  it('runs the scenario to the end with a working SCTP transport', () => {
    expect(result?.exitCode, result?.stderr).toBe(0);
    expect(report.transport).toBe(true);
    expect(report.figures).toMatchObject({ opened: 1, unsupported: 0 });
  });

  it('spreads associations round robin over both endpoints', () => {
    expect([...report.names].sort()).toEqual([...Array(5).fill('a'), ...Array(5).fill('b')]);
  });

  it('carries 16 MiB intact through the relay (length-prefixed: SCTP has no half-close)', () => {
    expect(report.transfer.echoed).toBe(report.transfer.sent);
  });

  it('refuses an association to a service without endpoints', () => {
    // ECONNREFUSED (errno 111): the kernel answers the INIT with an ABORT at once, no timeout.
    expect(report.empty).toBe('error:ERRNO_111');
  });
});
