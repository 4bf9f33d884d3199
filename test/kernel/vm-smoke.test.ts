// Proves the kernel VM harness with real kernel features the host lacks: an IPVS
// virtual server spreading HTTP requests over two namespaced Node servers, an
// SCTP socket accepting a connection, and exit statuses, output, cwd, env and
// per-command timeouts making it back to the host. One VM boot for the file.
import { beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describeInVm, nodeCommand, runCommandsInVm, runInVm, vitestCommand, VM_HOOK_TIMEOUT_MS, type VmRun } from './vm.ts';

const MODULES = ['nf_tables', 'ip_vs', 'ip_vs_rr', 'sctp', 'dummy', 'veth'];

await describeInVm('kernel VM harness', { modules: MODULES }, () => {
  let run: VmRun;
  let hostMs: number;

  beforeAll(async () => {
    const started = performance.now();
    run = await runCommandsInVm(
      [
        { argv: ['sh', 'test/kernel/smoke/ipvs-spread.sh'], timeoutMs: 90_000 },
        { argv: ['sh', 'test/kernel/smoke/sctp-echo.sh'], timeoutMs: 30_000 },
        { argv: ['false'] },
        { argv: ['sh', '-c', 'echo "in $(pwd) as $(id -u) with $GREETING"; echo oops >&2; exit 7'], cwd: '/tmp', env: { GREETING: 'it\'s "quoted" $HOME' } },
        { argv: ['sleep', '30'], timeoutMs: 1000 },
        { argv: ['sh', '-c', 'uname -r; ip -o link show | grep -vc ": lo:"'] },
        { argv: nodeCommand('-e', 'console.log(process.version)') },
        { argv: vitestCommand('test/kernel/smoke/inside-vm.vm-test.ts'), timeoutMs: 120_000 },
      ],
      { modules: MODULES, timeoutMs: 240_000 },
    );
    hostMs = performance.now() - started;
    console.info(
      `[kernel VM] boot-to-command ${run.bootToCommandMs} ms, modprobe ${run.modulesMs} ms, qemu ${run.vmMs} ms, ` +
        `runCommandsInVm ${Math.round(hostMs)} ms; per command: ${run.results.map((result) => `${path.basename(result.argv[0] ?? '')}=${result.durationMs}`).join(' ')}`,
    );
  }, VM_HOOK_TIMEOUT_MS);

  it('spreads HTTP requests over both real servers of a round-robin IPVS virtual server', () => {
    const ipvs = run.results[0];
    expect(ipvs?.exitCode, ipvs?.stderr).toBe(0);
    const [json, ipvsadm] = (ipvs?.stdout ?? '').split('--- ipvsadm\n');
    const spread = JSON.parse(json ?? '') as { backends: Record<string, string>; answers: string[] };
    expect(spread.backends).toEqual({ '10.240.1.2:8080': 'server-a', '10.240.2.2:8080': 'server-b' });
    expect(spread.answers).toHaveLength(10);
    const countOf = (name: string) => spread.answers.filter((answer) => answer === name).length;
    // Round robin over fresh connections alternates exactly.
    expect(countOf('server-a')).toBe(5);
    expect(countOf('server-b')).toBe(5);
    expect(ipvsadm).toMatch(/^TCP {2}10\.96\.0\.10:80 rr$/m);
    expect(ipvsadm).toMatch(/-> 10\.240\.1\.2:8080 +Masq/);
    expect(ipvsadm).toMatch(/-> 10\.240\.2\.2:8080 +Masq/);
  });

  it('accepts a connection on a one-to-one SCTP socket and echoes over it', () => {
    const sctp = run.results[1];
    expect(sctp?.exitCode, sctp?.stderr).toBe(0);
    expect(sctp?.stdout).toBe('listening 9999\necho ping\n');
  });

  it('passes a failing command’s exit status back: false gives 1', () => {
    expect(run.results[2]).toMatchObject({ argv: ['false'], exitCode: 1, stdout: '', stderr: '' });
  });

  it('runs with the given cwd and env as root, keeping stdout and stderr apart', () => {
    expect(run.results[3]).toMatchObject({ exitCode: 7, stdout: 'in /tmp as 0 with it\'s "quoted" $HOME\n', stderr: 'oops\n' });
  });

  it('kills a command at its own timeout with status 124 and goes on with the next', () => {
    expect(run.results[4]?.exitCode).toBe(124);
    expect(run.results[4]?.durationMs).toBeLessThan(10_000);
    expect(run.results[5]?.exitCode).toBe(0);
  });

  it('boots the cached Debian kernel with no network device but loopback and what the tests made', () => {
    const [release, linkCount] = (run.results[5]?.stdout ?? '').trim().split('\n');
    expect(release).toBe(run.kernelRelease);
    expect(release).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
    // After the IPVS check: kube-ipvs0 and the two host-side veths; no NIC.
    expect(linkCount).toBe('3');
  });

  it('runs the project’s pinned node', () => {
    expect(run.results[6]?.stdout).toMatch(/^v24\./);
  });

  it(
    'stops a VM that overruns its time limit and says where it was',
    async () => {
      const overrun = await runInVm({ command: ['sleep', '60'], timeoutMs: 1500 }).catch((error: unknown) => error);
      expect(overrun).toBeInstanceOf(Error);
      expect((overrun as Error).message).toMatch(/^the VM timed out after \d+ s (before it started|while it ran) command #0 \(sleep 60\)/);
      expect((overrun as Error).message).toContain('--- VM console (tail) ---');
    },
    VM_HOOK_TIMEOUT_MS,
  );

  it('runs a *.vm-test.ts file with vitest inside the VM', () => {
    const vitest = run.results[7];
    expect(vitest?.exitCode, `${vitest?.stdout}${vitest?.stderr}`).toBe(0);
    // vitest colours its output whenever CI is set (as it is in CI), even into a file.
    expect(stripVTControlCharacters(vitest?.stdout ?? '')).toMatch(/Tests +3 passed \(3\)/);
  });
});
