// What the iptables mode (kpx's or kube-proxy's) leaves behind, removed as upstream's
// CleanupLeftovers does: kube-proxy's fixed chains and every per-service chain in nat and
// filter, with the jump rules into them, and the KUBE-PROXY-CANARY chain in mangle; in both
// backends and both families. Chains shared with the kubelet (KUBE-FIREWALL, …) stay.
import { removeLeftoverChains } from '../../netfilter/leftover-chains.ts';
import { execInNetns } from '../../sys/netns.ts';
import type { LeftoverDeps, LeftoverReport, LeftoverSettings } from '../mode.ts';
import { isKpxChain } from './kpx-chains.ts';

const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

export async function cleanupIptablesLeftovers(deps: LeftoverDeps, settings: LeftoverSettings<unknown>): Promise<LeftoverReport> {
  const exec = settings.netns === '' ? deps.exec : execInNetns(deps.exec, settings.netns);
  const owned = (chain: string): boolean => isKpxChain(chain);
  const result = await removeLeftoverChains(exec, { nat: owned, filter: owned, mangle: (chain) => chain === KUBE_PROXY_CANARY }, (family) =>
    deps.metricsFor?.(family).countRestoreFailure({ partial: false }),
  );
  for (const kept of result.keptChains) deps.log.warn({ mode: 'iptables', ...kept }, 'kpx chain kept: another chain jumps to it');
  return { removed: { chains: result.chainsRemoved, jumpRules: result.jumpRulesRemoved }, failures: result.failures };
}
