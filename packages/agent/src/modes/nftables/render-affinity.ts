// ClientIP session affinity keeps upstream's layout: a chain per endpoint that records the
// client in the endpoint's own timeout set, and a chain per policy that sends known clients
// back to their endpoint before choosing one at random. The flat maps cannot do this
// exactly (a client's entry must die with its endpoint), and affinity services are few.
import type { Endpoint } from '../../model/types.ts';
import type { NftRenderContext } from './render-context.ts';
import { MARK_MASQ, endpointChainBase } from './names.ts';
import { assertAddress, assertEndpoint } from './nft-text.ts';
import type { NftChain, NftSet, PortPolicy } from './port-objects.ts';

export function renderAffinityObjects(policy: PortPolicy, context: NftRenderContext, chains: NftChain[], sets: NftSet[]): void {
  const sp = policy.servicePort;
  if (policy.usesExternalChain && !sp.externalPolicyLocal) {
    const rules = [`jump ${MARK_MASQ}`];
    if (policy.hasExternal) rules.push(`goto ${policy.names.cluster}`);
    chains.push({ name: policy.names.external, rules });
  }
  if (policy.usesCluster) chains.push(policyChain(policy, context, policy.names.cluster, sp.endpoints.cluster, !sp.internalPolicyLocal));
  if (policy.usesLocal) chains.push(policyChain(policy, context, policy.names.local, sp.endpoints.local, sp.internalPolicyLocal));
  const timeout = sp.sessionAffinity.type === 'ClientIP' ? sp.sessionAffinity.timeoutSeconds : 0;
  for (const endpoint of sp.endpoints.allReachable) {
    const base = endpointChainBase(sp.servicePortName, sp.protocol, endpoint.ip, endpoint.port);
    sets.push({ kind: 'set', name: `affinity-${base}`, spec: `{ type ${context.addrType} ; flags dynamic,timeout ; timeout ${timeout}s ; }`, dynamic: true });
    chains.push({
      name: `endpoint-${base}`,
      rules: [
        `${context.addr} saddr ${assertAddress(endpoint.ip)} jump ${MARK_MASQ}`,
        `update @affinity-${base} { ${context.addr} saddr }`,
        `meta l4proto ${policy.protocol} dnat to ${assertEndpoint(endpoint.endpoint)}`,
      ],
    });
  }
}

function policyChain(policy: PortPolicy, context: NftRenderContext, name: string, endpoints: readonly Endpoint[], internal: boolean): NftChain {
  const sp = policy.servicePort;
  const rules: string[] = [];
  const masq = internalMasqueradeMatch(context);
  if (internal && masq !== undefined) {
    rules.push(`${context.addr} daddr ${assertAddress(sp.clusterIP)} ${policy.protocol} dport ${sp.port} ${masq}jump ${MARK_MASQ}`);
  }
  const endpointChains = endpoints.map((endpoint) => `endpoint-${endpointChainBase(sp.servicePortName, sp.protocol, endpoint.ip, endpoint.port)}`);
  for (const chain of endpointChains) rules.push(`${context.addr} saddr @affinity-${chain.slice('endpoint-'.length)} goto ${chain}`);
  const choices = endpointChains.map((chain, index) => `${index} : goto ${chain}`).join(', ');
  rules.push(`numgen random mod ${endpoints.length} vmap { ${choices} }`);
  return { name, rules };
}

/** What precedes `jump mark-for-masquerade` for traffic to a cluster IP; undefined: never masquerade it. */
export function internalMasqueradeMatch(context: NftRenderContext): string | undefined {
  if (context.masqueradeAll) return '';
  return context.ifNotLocal === undefined ? undefined : `${context.ifNotLocal} `;
}
