// What the IPVS mode (kpx's or kube-proxy's) leaves behind, removed as upstream's ipvs
// CleanupLeftovers does, in its order: the virtual servers, the kube-ipvs0 device, the
// proxier's iptables chains (both backends, both families), then its ipsets, which no rule
// uses any more by then. Unlike upstream (ipvsadm --clear), only the virtual servers kpx
// owns go (ownsVirtualServer): another program's stay. Where IPVS cannot be used (no kernel
// module, no ipvsadm) the mode never ran, and there is nothing to do: upstream bails out the
// same way when `modprobe ip_vs` fails.
import { KpxError } from '../../errors.ts';
import type { IPFamily } from '../../model/types.ts';
import { removeLeftoverChains } from '../../netfilter/leftover-chains.ts';
import { execIfPresent, type Exec } from '../../sys/exec.ts';
import { execInNetns } from '../../sys/netns.ts';
import type { LeftoverDeps, LeftoverFailure, LeftoverReport, LeftoverSettings } from '../mode.ts';
import { readDeviceAddresses, readIpsetSave, readIpvsadmSave, runIpsetRestore, runIpvsadmRestore } from './apply.ts';
import { deleteServiceLine } from './ipvsadm-text.ts';
import { DUMMY_DEVICE, FILTER_CHAINS, kernelSetName, NAT_CHAINS } from './kernel-names.ts';
import { ownsVirtualServer, parseKernelState, type KernelState } from './kernel-state.ts';
import type { IpvsOptions } from './options.ts';

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

export async function cleanupIpvsLeftovers(deps: LeftoverDeps, settings: LeftoverSettings<IpvsOptions>): Promise<LeftoverReport> {
  const exec = settings.netns === '' ? deps.exec : execInNetns(deps.exec, settings.netns);
  const probe = await execIfPresent(exec, { file: 'ipvsadm', args: ['-L', '-n'] }).catch(() => undefined);
  if (probe === undefined || probe.exitCode !== 0) {
    deps.log.debug({ mode: 'ipvs' }, 'IPVS not available: no ipvs leftovers to remove');
    return { removed: {}, failures: [] };
  }
  const failures: LeftoverFailure[] = [];
  const step = async <T>(name: string, run: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      failures.push({ step: name, error });
      return fallback;
    }
  };
  const states = await step('read ipvs state', () => readStates(exec), new Map<IPFamily, KernelState>());
  const excludeCIDRs = settings.options.excludeCIDRs ?? [];
  const deletions = [...states].flatMap(([family, state]) =>
    [...state.virtualServers.values()]
      .filter((found) => ownsVirtualServer(state, found.service, { family, excludeCIDRs }))
      .map((found) => deleteServiceLine(found.service)),
  );
  const virtualServers = await step('virtual servers', async () => (await runIpvsadmRestore(exec, deletions), deletions.length), 0);
  const devices = await step(DUMMY_DEVICE, () => deleteDevice(exec), 0);
  const nat = new Set(NAT_CHAINS);
  const filter = new Set(FILTER_CHAINS);
  const chains = await removeLeftoverChains(exec, { nat: (chain) => nat.has(chain), filter: (chain) => filter.has(chain) }, (family) =>
    deps.metricsFor?.(family).countRestoreFailure({ partial: false }),
  );
  failures.push(...chains.failures);
  const destroy = [...states].flatMap(([family, state]) => [...state.sets.keys()].map((set) => `destroy ${kernelSetName(set, family)}`));
  const sets = await step('ipsets', async () => (await runIpsetRestore(exec, destroy), destroy.length), 0);
  const removed = { virtualServers, devices, chains: chains.chainsRemoved, jumpRules: chains.jumpRulesRemoved, sets };
  return { removed, failures };
}

async function readStates(exec: Exec): Promise<Map<IPFamily, KernelState>> {
  const ipvs = await readIpvsadmSave(exec);
  const sets = await readIpsetSave(exec);
  const addresses = await readDeviceAddresses(exec);
  return new Map(FAMILIES.map((family) => [family, parseKernelState(ipvs.stdout, sets.stdout, addresses.stdout, family)]));
}

async function deleteDevice(exec: Exec): Promise<number> {
  if ((await exec({ file: 'ip', args: ['link', 'show', 'dev', DUMMY_DEVICE] })).exitCode !== 0) return 0;
  const result = await exec({ file: 'ip', args: ['link', 'del', DUMMY_DEVICE] });
  if (result.exitCode !== 0) throw new KpxError('KPX_ERR_EXEC', `ip link del ${DUMMY_DEVICE} failed`, { context: { stderr: result.stderr.slice(0, 2000) } });
  return 1;
}
