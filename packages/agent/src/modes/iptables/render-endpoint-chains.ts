// Load balancing from a policy chain (KUBE-SVC-/KUBE-SVL-) to the endpoints, and the
// per-endpoint KUBE-SEP- chains that masquerade hairpin traffic and DNAT.
import assert from 'node:assert/strict';
import type { Endpoint } from '../../model/types.ts';
import type { LineBuffer } from '../../netfilter/restore-text.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import type { PortPolicy } from './render-port-policy.ts';
import type { ChainBuffers } from './chain-buffers.ts';

/** Upstream's writeServiceToEndpointRules: affinity checks first, then the random split. */
export function renderPolicyChainEndpoints(policy: PortPolicy, context: RenderContext, chain: string, endpoints: readonly Endpoint[], rules: LineBuffer): void {
  const name = policy.servicePort.servicePortName;
  const affinity = policy.servicePort.sessionAffinity;
  const chains = endpointChainsOf(policy, endpoints);
  const count = endpoints.length;
  // Indexed loops here and below: `for…of entries()` allocates per endpoint until the JIT
  // optimizes it, and this runs once per endpoint (100k of them) in a cold `kpx render`.
  if (affinity.type === 'ClientIP') {
    for (let index = 0; index < count; index++) {
      const endpoint = endpoints[index]!;
      const target = chains[index]!;
      const comment = context.largeClusterMode ? '' : ` -m comment --comment "${name} -> ${endpoint.endpoint}"`;
      rules.writeLine(`-A ${chain}${comment} -m recent --name ${target} --rcheck --seconds ${affinity.timeoutSeconds} --reap -j ${target}`);
    }
  }
  const head = '-A ' + chain;
  for (let index = 0; index < count; index++) {
    const endpoint = endpoints[index]!;
    const comment = context.largeClusterMode ? '' : ` -m comment --comment "${name} -> ${endpoint.endpoint}"`;
    // Rule i matches 1/(n-i) of what reaches it, so every endpoint gets 1/n; the last always matches.
    const statistic = index < count - 1 ? statisticMatch(count - index) : '';
    rules.writeLine(head + comment + statistic + ' -j ' + chains[index]!);
  }
}

export function renderEndpointChains(policy: PortPolicy, context: RenderContext, out: ChainBuffers): void {
  const sp = policy.servicePort;
  const p = policy.protocol;
  const comment = context.largeClusterMode ? '' : ` -m comment --comment ${sp.servicePortName}`;
  const usesAffinity = sp.sessionAffinity.type === 'ClientIP';
  const dnatMatch = ` -m ${p} -p ${p} -j DNAT --to-destination `;
  const reachable = sp.endpoints.allReachable;
  let previous: string | undefined;
  for (let index = 0; index < reachable.length; index++) {
    const endpoint = reachable[index]!;
    const chain = policy.endpointChains[index]!;
    // allReachable is deduplicated and sorted by the model; a repeat would be adjacent.
    if (chain === previous) continue;
    previous = chain;
    // The hot path: three of the four lines per endpoint (the fourth is the policy chain's
    // jump). `head` is shared by both rules rather than concatenated twice.
    out.declarations.writeLine(':' + chain + ' - [0:0]');
    const head = '-A ' + chain + comment;
    // Traffic that loops back to the endpoint it came from must be masqueraded.
    out.rules.writeLine(head + ' -s ' + endpoint.ip + ' -j KUBE-MARK-MASQ');
    const recent = usesAffinity ? ` -m recent --name ${chain} --set` : '';
    out.rules.writeLine(head + recent + dnatMatch + endpoint.endpoint);
  }
}

/** The KUBE-SEP- chains of `endpoints`, a subset of the port's allReachable endpoints. */
function endpointChainsOf(policy: PortPolicy, endpoints: readonly Endpoint[]): readonly string[] {
  const reachable = policy.servicePort.endpoints.allReachable;
  // The model usually hands out allReachable itself as the cluster (or local) list.
  if (endpoints === reachable) return policy.endpointChains;
  const byEndpoint = new Map(reachable.map((endpoint, index) => [endpoint.endpoint, policy.endpointChains[index]!]));
  return endpoints.map((endpoint) => {
    const chain = byEndpoint.get(endpoint.endpoint);
    assert(chain !== undefined, `endpoint ${endpoint.endpoint} is not in allReachable`);
    return chain;
  });
}

const probabilities: string[] = [];
const statisticMatches: string[] = [];

/** The match that takes 1/n of the traffic, kept per n: it is written for nearly every endpoint. */
function statisticMatch(n: number): string {
  let match = statisticMatches[n];
  if (match === undefined) {
    match = ` -m statistic --mode random --probability ${probability(n)}`;
    statisticMatches[n] = match;
  }
  return match;
}

/**
 * 1/n formatted as Go's `%0.10f`. toFixed rounds the exact binary value like Go does, except on
 * an exact tie, where Go rounds half to even and toFixed rounds up. For 1/n an exact tie at ten
 * decimals happens only for n = 2048 (0.00048828125).
 */
export function probability(n: number): string {
  let text = probabilities[n];
  if (text === undefined) {
    text = n === 2048 ? '0.0004882812' : (1 / n).toFixed(10);
    probabilities[n] = text;
  }
  return text;
}
