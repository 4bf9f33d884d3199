// The leftover cleanup over the registry's real modes, with a recording Exec standing in for
// a node: which modes each start removes (upstream's platformCleanup), which --cleanup
// removes (beside kube-proxy, only what is kpx's alone), what each mode runs, and that an
// absent tool is nothing to do while a failed step is logged, counted and does not stop the rest.
import { describe, expect, it } from 'vitest';
import { loadCommandLine } from '../config/load.ts';
import { KpxError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import type { AnyMode } from '../modes/mode.ts';
import { allModes, findMode } from '../modes/registry.ts';
import type { ExecRequest, ExecResult } from '../sys/exec.ts';
import { parsePrometheusText } from '../../../../test/daemon/prometheus-text.ts';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { cleanUpLeftovers, modesToCleanAtStart, modesToCleanUp } from './leftover-cleanup.ts';
import { createProxyMetrics } from './metrics.ts';

const mode = (name: string): AnyMode => {
  const found = findMode(name);
  if (found === undefined) throw new Error(`no mode ${name}`);
  return found;
};
const names = (modes: readonly AnyMode[]): string[] => modes.map((m) => m.name).sort();

async function resolved(...argv: string[]) {
  return (await loadCommandLine(['--netns', 'node1', ...argv], 'run')).resolved;
}

const NAT_WITH_KPX = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-SVC-ABCDEFGHIJKLMNOP - [0:0]',
  ':OTHER - [0:0]',
  '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  '-A OUTPUT -j OTHER',
  '-A KUBE-SERVICES -d 10.96.0.10/32 -j KUBE-SVC-ABCDEFGHIJKLMNOP',
  'COMMIT',
  '',
].join('\n');

type Answer = Partial<ExecResult> | 'missing';

/** A node reached through `ip netns exec node1 …`; `answer` sees the command inside. */
function node(answer: (file: string, args: readonly string[]) => Answer | undefined = () => undefined) {
  const recorder = recordingExec((request: ExecRequest) => {
    const [, , , file = '', ...args] = request.args;
    const result = answer(file, args);
    if (result === 'missing') return { exitCode: 1, stderr: `exec of "${file}" failed: No such file or directory\n` };
    return result;
  });
  /** The commands run inside the namespace, as `file arg…`. */
  const inside = (): string[] => recorder.calls.map((call) => call.args.slice(3).join(' '));
  return { ...recorder, inside };
}

describe('which modes a start cleans up (upstream platformCleanup)', () => {
  it.each([
    ['iptables', ['nftables', 'userspace']],
    ['ipvs', ['nftables', 'userspace']],
    ['nftables', ['iptables', 'ipvs', 'userspace']],
    ['userspace', ['iptables', 'ipvs', 'nftables']],
  ])('starting %s removes the leftovers of %j', (starting, expected) => {
    expect(names(modesToCleanAtStart(mode(starting), allModes(), ''))).toEqual(expected);
  });

  it('removes nothing beside kube-proxy (--service-proxy-name set)', () => {
    expect(modesToCleanAtStart(mode('nftables'), allModes(), 'kpx')).toEqual([]);
  });

  it('--cleanup cleans every mode; beside kube-proxy the chosen mode and those apart from kube-proxy', () => {
    expect(names(modesToCleanUp(mode('iptables'), allModes(), ''))).toEqual(['iptables', 'ipvs', 'nftables', 'userspace']);
    expect(names(modesToCleanUp(mode('iptables'), allModes(), 'kpx'))).toEqual(['iptables', 'nftables', 'userspace']);
    expect(names(modesToCleanUp(mode('nftables'), allModes(), 'kpx'))).toEqual(['nftables', 'userspace']);
  });
});

describe('cleanUpLeftovers', () => {
  it('starting nftables: iptables chains of both backends and families go, IPVS is skipped where ipvsadm fails, kpx-svc0 goes', async () => {
    const recorder = node((file, args) => {
      if (file === 'iptables-nft-save') return { stdout: NAT_WITH_KPX };
      if (file === 'ipvsadm') return { exitCode: 2, stderr: "Can't initialize ipvs: Protocol not available\n" };
      if (file === 'ip' && args.join(' ') === 'link show dev kpx-svc0') return { exitCode: 0 };
      return undefined;
    });
    const config = await resolved('--proxy-mode', 'nftables');
    const failed = await cleanUpLeftovers(modesToCleanAtStart(mode('nftables'), allModes(), ''), {
      resolved: config,
      exec: recorder.exec,
      log: silentLogger(),
    });
    expect(failed).toBe(0);
    const inside = recorder.inside();
    for (const save of ['iptables-nft-save', 'iptables-legacy-save', 'ip6tables-nft-save', 'ip6tables-legacy-save']) expect(inside).toContain(save);
    // Only the table that held kpx chains is restored; nothing else is written to iptables.
    const restores = recorder.calls.filter((call) => call.args[3]?.endsWith('-restore') === true);
    expect(restores.map((call) => call.args[3])).toEqual(['iptables-nft-restore']);
    expect(restores[0]?.stdin).toBe(
      [
        '*nat',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-SVC-ABCDEFGHIJKLMNOP - [0:0]',
        '-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-X KUBE-SERVICES',
        '-X KUBE-SVC-ABCDEFGHIJKLMNOP',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(inside).toContain('ipvsadm -L -n');
    expect(inside.some((call) => call.startsWith('ipvsadm-save') || call.startsWith('ipset'))).toBe(false);
    expect(inside).toContain('ip link del kpx-svc0');
    expect(inside.some((call) => call.startsWith('nft'))).toBe(false);
  });

  it('starting iptables: the nftables tables of both families go, and no iptables tool runs', async () => {
    const recorder = node((file, args) => (file === 'nft' && args[2] === 'ip6' ? { exitCode: 1, stderr: 'Error: No such file or directory\n' } : undefined));
    const config = await resolved();
    const failed = await cleanUpLeftovers(modesToCleanAtStart(mode('iptables'), allModes(), ''), {
      resolved: config,
      exec: recorder.exec,
      log: silentLogger(),
    });
    expect(failed).toBe(0);
    const inside = recorder.inside();
    expect(inside.filter((call) => call.startsWith('nft'))).toEqual(['nft delete table ip kube-proxy', 'nft delete table ip6 kube-proxy']);
    expect(inside.some((call) => call.startsWith('iptables') || call.startsWith('ip6tables') || call.startsWith('ipvsadm'))).toBe(false);
  });

  it('--cleanup beside kube-proxy removes the table named after --service-proxy-name, never `kube-proxy`', async () => {
    const recorder = node();
    const config = await resolved('--proxy-mode', 'nftables', '--service-proxy-name', 'kpx');
    await cleanUpLeftovers(modesToCleanUp(mode('nftables'), allModes(), 'kpx'), { resolved: config, exec: recorder.exec, log: silentLogger() });
    const nft = recorder.inside().filter((call) => call.startsWith('nft'));
    expect(nft).toEqual(['nft delete table ip kpx', 'nft delete table ip6 kpx']);
    expect(recorder.inside().some((call) => call.startsWith('iptables'))).toBe(false);
  });

  it('treats absent tools (nft, every iptables binary, ipvsadm) as nothing to do', async () => {
    const recorder = node((file) => (file === 'ip' ? { exitCode: 1 } : 'missing'));
    const config = await resolved();
    expect(await cleanUpLeftovers(allModes(), { resolved: config, exec: recorder.exec, log: silentLogger() })).toBe(0);
  });

  it('treats a host without nft (spawn fails with ENOENT) as nothing to do', async () => {
    const exec = async (request: ExecRequest): Promise<ExecResult> => {
      if (request.file === 'nft') {
        throw new KpxError('KPX_ERR_EXEC', 'could not run nft', { cause: Object.assign(new Error('spawn nft ENOENT'), { code: 'ENOENT' }) });
      }
      return { exitCode: 0, stdout: '', stderr: '', durationMs: 1 };
    };
    const config = (await loadCommandLine([], 'run')).resolved;
    expect(await cleanUpLeftovers([mode('nftables')], { resolved: config, exec, log: silentLogger() })).toBe(0);
  });

  it('logs and counts a failed step, and still runs the others', async () => {
    const recorder = node((file) => {
      if (file === 'iptables-nft-save') return { stdout: NAT_WITH_KPX };
      if (file === 'iptables-nft-restore') return { exitCode: 1, stderr: 'iptables-nft-restore: line 4 failed\n' };
      if (file === 'nft') return { exitCode: 1, stderr: 'Error: Operation not permitted\n' };
      return undefined;
    });
    const metrics = createProxyMetrics({ mode: 'userspace', processMetrics: false });
    const config = await resolved('--proxy-mode', 'userspace');
    const failed = await cleanUpLeftovers(modesToCleanAtStart(mode('userspace'), allModes(), ''), {
      resolved: config,
      exec: recorder.exec,
      log: silentLogger(),
      metrics,
    });
    // The nat restore of iptables' and of ipvs' chains (IPVS answers here), two nft tables.
    expect(failed).toBe(4);
    expect(recorder.inside()).toContain('ip6tables-legacy-save');
    expect(recorder.inside()).toContain('nft delete table ip6 kube-proxy');
    const family = parsePrometheusText((await metrics.scrape()).body).get('kpx_leftover_cleanup_failures_total');
    const value = (name: string): number | undefined => family?.samples.find((sample) => sample.labels['mode'] === name)?.value;
    expect(value('iptables')).toBe(1);
    expect(value('ipvs')).toBe(1);
    expect(value('nftables')).toBe(2);
  });
});
