// Which chains are kpx's. Pure.
//
// kpx owns kube-proxy's fixed chains and every per-service chain (upstream's
// isServiceChainName prefixes). Kubelet's chains (KUBE-FIREWALL, KUBE-MARK-DROP,
// KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT) and everything else belong to others.
import {
  isServiceChainName,
  KUBE_EXTERNAL_SERVICES,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chain-names.ts';
import { KUBE_PROXY_CANARY } from '../../netfilter/flush-canary.ts';

export const KPX_FIXED_CHAINS: ReadonlySet<string> = new Set([
  KUBE_SERVICES,
  KUBE_EXTERNAL_SERVICES,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_MARK_MASQ,
  KUBE_FORWARD,
  KUBE_PROXY_FIREWALL,
  // The flush detector (netfilter/flush-canary.ts): each full sync writes it, cleanup removes it.
  KUBE_PROXY_CANARY,
]);

/** Whether `chain` is one kpx creates (fixed or per service), or one named in `alsoOwned`. */
export function isKpxChain(chain: string, alsoOwned?: ReadonlySet<string>): boolean {
  return KPX_FIXED_CHAINS.has(chain) || isServiceChainName(chain) || alsoOwned?.has(chain) === true;
}

/**
 * Adds to `seen` those of a plan's `owned` chains that isKpxChain does not already know by
 * name (KUBE-FIREWALL, when kpx writes it): a handful of top-level names, so the set stays
 * bounded however many per-endpoint chains come and go under endpoint churn.
 */
export function rememberOwnedChains(seen: Set<string>, owned: Iterable<string>): void {
  for (const chain of owned) if (!isKpxChain(chain)) seen.add(chain);
}
