// Before the first sync: IPVS present and its scheduler too (else KPX_ERR_UNSUPPORTED), the
// sysctls upstream's NewProxier sets, IPVS timeouts, the kube-ipvs0 dummy device, and every kpx ipset.
import { KpxError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Exec } from '../../sys/exec.ts';
import { ensureSysctl, type Sysctl } from '../../sys/sysctl.ts';
import type { IPFamily } from '../../model/types.ts';
import { checkBridgeNetfilter } from '../../netfilter/sysctls.ts';
import { runIpsetRestore } from './apply.ts';
import { createSetLine } from './ipset-text.ts';
import { DUMMY_DEVICE, IPSETS } from './kernel-names.ts';
import { effectiveScheduler, type IpvsOptions } from './options.ts';

/** Pure: the sysctls kube-proxy's IPVS proxier ensures, in its order. */
export function ipvsSysctls(options: IpvsOptions): [string, string][] {
  const settings: [string, string][] = [
    ['net.ipv4.vs.conntrack', '1'],
    // conn_reuse_mode is left as-is: every kernel this runs on is past the 5.9 fix (kubernetes#93297).
    ['net.ipv4.vs.expire_nodest_conn', '1'],
    ['net.ipv4.vs.expire_quiescent_template', '1'],
    ['net.ipv4.ip_forward', '1'],
  ];
  if (options.strictARP === true) settings.push(['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2']);
  return settings;
}

/** Pure: `ipvsadm --set TCP TCPFIN UDP` (seconds; 0 keeps the kernel's), or undefined when none is set. */
export function ipvsTimeoutArgs(options: IpvsOptions): string[] | undefined {
  const seconds = (ms: number | undefined): string => String(Math.floor((ms ?? 0) / 1000));
  if (!((options.tcpTimeoutMs ?? 0) > 0 || (options.tcpFinTimeoutMs ?? 0) > 0 || (options.udpTimeoutMs ?? 0) > 0)) return undefined;
  return ['--set', seconds(options.tcpTimeoutMs), seconds(options.tcpFinTimeoutMs), seconds(options.udpTimeoutMs)];
}

export async function checkIpvsAvailable(exec: Exec): Promise<void> {
  // Loads ip_vs where modprobe can; inside a namespace or without the tool, the check below decides.
  await exec({ file: 'modprobe', args: ['ip_vs'] }).catch(() => undefined);
  const result = await exec({ file: 'ipvsadm', args: ['-L', '-n'] }).catch((error: unknown) => ({
    exitCode: -1,
    stdout: '',
    stderr: String(error),
    durationMs: 0,
  }));
  if (result.exitCode !== 0) {
    throw new KpxError('KPX_ERR_UNSUPPORTED', 'IPVS is not available: the kernel has no ip_vs module (or ipvsadm is missing)', {
      context: { exitCode: result.exitCode, stderr: result.stderr.slice(0, 2000) },
    });
  }
}

// Upstream's CanUseIPVSProxier probes the scheduler with a throwaway virtual server on TEST-NET-2.
const PROBE_SERVICE = ['-t', '198.51.100.0:20000'];

/** Pure: the ipvsadm argv that add and delete the probe virtual server of `scheduler` (mh with its flag, as planned). */
export function schedulerProbeArgs(scheduler: string): { add: string[]; delete: string[] } {
  return { add: ['-A', ...PROBE_SERVICE, '-s', scheduler, ...(scheduler === 'mh' ? ['-b', 'mh-port'] : [])], delete: ['-D', ...PROBE_SERVICE] };
}

/** Whether the kernel has the scheduler (its ip_vs_<name> module): KPX_ERR_UNSUPPORTED when not. */
export async function checkIpvsScheduler(exec: Exec, scheduler: string): Promise<void> {
  const probe = schedulerProbeArgs(scheduler);
  let added = await exec({ file: 'ipvsadm', args: probe.add });
  // "File exists": a probe left by an earlier start that died in between; remove it and try once more.
  if (added.exitCode !== 0 && /exists/i.test(added.stderr)) {
    await exec({ file: 'ipvsadm', args: probe.delete });
    added = await exec({ file: 'ipvsadm', args: probe.add });
  }
  if (added.exitCode !== 0) {
    throw new KpxError('KPX_ERR_UNSUPPORTED', `the IPVS scheduler ${scheduler} is not available: the kernel has no ip_vs_${scheduler} module`, {
      context: { scheduler, exitCode: added.exitCode, stderr: added.stderr.slice(0, 2000) },
    });
  }
  await exec({ file: 'ipvsadm', args: probe.delete });
}

export async function setUpIpvs(exec: Exec, sysctl: Sysctl, options: IpvsOptions, family: IPFamily, log: Logger): Promise<void> {
  await checkIpvsAvailable(exec);
  await checkIpvsScheduler(exec, effectiveScheduler(options));
  for (const [key, value] of ipvsSysctls(options)) await ensureSysctl(sysctl, key, value, log);
  await checkBridgeNetfilter(sysctl, log);
  const timeouts = ipvsTimeoutArgs(options);
  if (timeouts !== undefined) {
    const result = await exec({ file: 'ipvsadm', args: timeouts });
    if (result.exitCode !== 0) log.error({ stderr: result.stderr }, 'Failed to configure IPVS timeouts');
  }
  const link = await exec({ file: 'ip', args: ['link', 'add', DUMMY_DEVICE, 'type', 'dummy'] });
  // Exit status 2: the device exists already.
  if (link.exitCode !== 0 && link.exitCode !== 2) {
    throw new KpxError('KPX_ERR_EXEC', `could not create the ${DUMMY_DEVICE} dummy device`, { context: { stderr: link.stderr.slice(0, 2000) } });
  }
  await runIpsetRestore(
    exec,
    IPSETS.map((info) => createSetLine(info, family)),
  );
}
