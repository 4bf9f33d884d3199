// The dataplane's commands, recorded: which tools run with which argv and stdin, in order.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { recordingExec } from '../../../../../test/helpers/recording-exec.ts';
import { diffStates } from '../../diff/diff-states.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import { createLogger, silentLogger } from '../../log.ts';
import { isKpxError } from '../../errors.ts';
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState } from '../../model/types.ts';
import type { Sysctl } from '../../sys/sysctl.ts';
import type { DataplaneDeps, DataplaneMetrics } from '../mode.ts';
import { dataplaneSettings } from '../../../../../test/helpers/dataplane-settings.ts';
import type { IpvsModeOptions } from './dataplane.ts';
import { ipvsMode } from './index.ts';

/** The IPVS mode planning and opening with the same options, as the daemon does. */
function modeWith(options: IpvsModeOptions) {
  return {
    plan: (state: DesiredState, changed?: ChangeSet) => ipvsMode.plan(state, options, changed),
    open: (deps: DataplaneDeps) => ipvsMode.open(deps, dataplaneSettings(options)),
  };
}

function memorySysctl(initial: Record<string, string> = {}): Sysctl & { values: Map<string, string> } {
  const values = new Map<string, string>(Object.entries(initial));
  return { values, read: async (key) => values.get(key), write: async (key, value) => void values.set(key, value) };
}

function web(endpoints: string[]) {
  return makeState([
    makeServicePort('ns', 'web', 'http', (sp) => {
      sp.clusterIP = '10.96.0.10';
      for (const ip of endpoints) sp.endpoints.push(makeEndpoint(ip, 8080));
    }),
  ]);
}

describe('ipvs dataplane', () => {
  it('refuses to start with KPX_ERR_UNSUPPORTED when the kernel has no IPVS', async () => {
    const recorder = recordingExec((request) =>
      request.file === 'ipvsadm' ? { exitCode: 2, stderr: "Can't initialize ipvs: Protocol not available\n" } : undefined,
    );
    const dataplane = modeWith({ sysctl: memorySysctl(), backend: 'nft' }).open({ exec: recorder.exec, clock: { now: () => 0 }, log: silentLogger() });
    const failure = await dataplane.setup().catch((error: unknown) => error);
    expect(isKpxError(failure, 'KPX_ERR_UNSUPPORTED')).toBe(true);
  });

  it('sets upstream’s sysctls (strict ARP when asked), IPVS timeouts, kube-ipvs0 and every set', async () => {
    const recorder = recordingExec();
    const sysctl = memorySysctl();
    const mode = modeWith({ strictARP: true, tcpTimeoutMs: 900_000, udpTimeoutMs: 0, sysctl, backend: 'nft' });
    await mode.open({ exec: recorder.exec, clock: { now: () => 0 }, log: silentLogger() }).setup();
    expect(Object.fromEntries(sysctl.values)).toEqual({
      'net.ipv4.vs.conntrack': '1',
      'net.ipv4.vs.expire_nodest_conn': '1',
      'net.ipv4.vs.expire_quiescent_template': '1',
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.all.arp_ignore': '1',
      'net.ipv4.conf.all.arp_announce': '2',
    });
    expect(recorder.argv()).toContain('ipvsadm --set 900 0 0');
    expect(recorder.argv()).toContain('ip link add kube-ipvs0 type dummy');
    const sets = recorder.calls.find((call) => call.file === 'ipset');
    expect(sets?.args).toEqual(['restore', '-exist']);
    expect(sets?.stdin?.split('\n').filter((line) => line.startsWith('create'))).toHaveLength(17);
  });

  it('warns, as upstream does, when bridged pod traffic would bypass iptables (no br_netfilter)', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const log = createLogger({ destination, format: 'text' });
    await modeWith({ sysctl: memorySysctl(), backend: 'nft' })
      .open({ exec: recordingExec().exec, clock: { now: () => 0 }, log })
      .setup();
    await modeWith({ sysctl: memorySysctl({ 'net.bridge.bridge-nf-call-iptables': '1' }), backend: 'nft' })
      .open({ exec: recordingExec().exec, clock: { now: () => 0 }, log })
      .setup();
    // klog text: warnings are the W lines; the message is the quoted string after the header.
    const warnings = lines
      .filter((line) => line.startsWith('W'))
      .map((line) => ({ msg: JSON.parse(/\] ("(?:[^"\\]|\\.)*")/.exec(line)?.[1] ?? '""') as string }));
    expect(warnings.map((line) => line.msg)).toEqual(['Missing br-netfilter module or unset sysctl br-nf-call-iptables, proxy may not work as intended']);
  });

  it('applies a full sync from what it read, then a one-endpoint change as one `ipvsadm -R` line without reading again', async () => {
    const recorder = recordingExec();
    const mode = modeWith({ sysctl: memorySysctl(), backend: 'nft' });
    const dataplane = mode.open({ exec: recorder.exec, clock: { now: () => 0 }, log: silentLogger() });
    const before = web(['10.244.1.2']);
    const full = await dataplane.apply(mode.plan(before));
    expect(full.full).toBe(true);
    expect(recorder.argv().slice(0, 3)).toEqual(['ipvsadm-save -n', 'ipset save', 'ip -o addr show dev kube-ipvs0']);
    const restore = recorder.calls.find((call) => call.file === 'ipvsadm' && call.args[0] === '-R');
    expect(restore?.stdin).toBe('-A -t 10.96.0.10:80 -s rr\n-a -t 10.96.0.10:80 -r 10.244.1.2:8080 -m -w 1\n');
    expect(recorder.calls.find((call) => call.file === 'ip' && call.args[0] === '-batch')?.stdin).toBe('address add 10.96.0.10/32 dev kube-ipvs0\n');

    recorder.calls.length = 0;
    const after = web(['10.244.1.2', '10.244.1.3']);
    const partial = await dataplane.apply(mode.plan(after, diffStates(before, after)));
    expect(partial.full).toBe(false);
    expect(recorder.calls.map((call) => [call.file, ...call.args].join(' '))).toEqual(['ipvsadm -R']);
    expect(recorder.calls[0]?.stdin).toBe('-a -t 10.96.0.10:80 -r 10.244.1.3:8080 -m -w 1\n');
  });

  it('reports an ipvsadm -R failure as KPX_ERR_IPVSADM and re-reads the kernel on the next sync', async () => {
    let fail = true;
    const recorder = recordingExec((request) =>
      request.file === 'ipvsadm' && request.args[0] === '-R' && fail ? { exitCode: 1, stderr: 'Memory allocation problem\n' } : undefined,
    );
    const mode = modeWith({ sysctl: memorySysctl(), backend: 'nft' });
    const dataplane = mode.open({ exec: recorder.exec, clock: { now: () => 0 }, log: silentLogger() });
    const state = web(['10.244.1.2']);
    expect(isKpxError(await dataplane.apply(mode.plan(state)).catch((error: unknown) => error), 'KPX_ERR_IPVSADM')).toBe(true);
    fail = false;
    recorder.calls.length = 0;
    const next = web(['10.244.1.2', '10.244.1.3']);
    await dataplane.apply(mode.plan(next, diffStates(state, next)));
    expect(recorder.argv()[0]).toBe('ipvsadm-save -n');
  });

  it('counts a failed iptables-restore as upstream does, and no other failure', async () => {
    const failing = { file: '' };
    const recorder = recordingExec((request) => (request.file === failing.file ? { exitCode: 1, stderr: 'failed\n' } : undefined));
    const counted: unknown[] = [];
    const metrics: DataplaneMetrics = {
      countRestoreFailure: (restore) => void counted.push(restore),
      setIptablesRules: () => undefined,
      countNftablesFailure: () => undefined,
    };
    const options = { sysctl: memorySysctl(), backend: 'nft' as const };
    const dataplane = ipvsMode.open({ exec: recorder.exec, clock: { now: () => 0 }, log: silentLogger(), metrics }, dataplaneSettings(options));
    failing.file = 'ipvsadm';
    expect(isKpxError(await dataplane.apply(ipvsMode.plan(web(['10.244.1.2']), options)).catch((error: unknown) => error), 'KPX_ERR_IPVSADM')).toBe(true);
    expect(counted).toEqual([]);
    failing.file = 'iptables-nft-restore';
    expect(isKpxError(await dataplane.apply(ipvsMode.plan(web(['10.244.1.2']), options)).catch((error: unknown) => error), 'KPX_ERR_RESTORE')).toBe(true);
    expect(counted).toEqual([{ partial: false }]);
  });
});
