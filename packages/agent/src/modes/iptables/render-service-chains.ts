// One service port's own nat chains: KUBE-EXT-, KUBE-FW-, KUBE-SVC-, KUBE-SVL- and its
// KUBE-SEP- chains, declared and filled. Skipped on a partial sync for unchanged ports.
import type { ChainBuffers } from './chain-buffers.ts';
import { chainLine, type LineBuffer } from '../../netfilter/restore-text.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import type { PortPolicy } from './render-port-policy.ts';
import { renderEndpointChains, renderPolicyChainEndpoints } from './render-endpoint-chains.ts';
import { renderFirewallChain } from './render-firewall.ts';

/** Where a port's chains go: declarations in one buffer, rules in another. */
export function renderServiceChains(policy: PortPolicy, context: RenderContext, out: ChainBuffers): void {
  if (policy.usesExternalTrafficChain) renderExternalChain(policy, context, out);
  if (policy.usesFirewallChain) renderFirewallChain(policy, context, out);
  const { cluster, local } = policy.chains;
  const { endpoints } = policy.servicePort;
  if (policy.usesClusterPolicyChain) {
    out.declarations.writeLine(chainLine(cluster));
    if (policy.internalTrafficChain === cluster) renderInternalMasquerade(policy, context, out.rules);
    renderPolicyChainEndpoints(policy, context, cluster, endpoints.cluster, out.rules);
  }
  if (policy.usesLocalPolicyChain) {
    out.declarations.writeLine(chainLine(local));
    if (policy.internalTrafficChain === local) renderInternalMasquerade(policy, context, out.rules);
    renderPolicyChainEndpoints(policy, context, local, endpoints.local, out.rules);
  }
  renderEndpointChains(policy, context, out);
}

/** Masquerades cluster IP traffic that does not come from a local pod (or all of it, with masqueradeAll). */
function renderInternalMasquerade(policy: PortPolicy, context: RenderContext, rules: LineBuffer): void {
  if (!policy.hasInternalEndpoints) return;
  const { servicePort: sp, protocol: p } = policy;
  const head = `-A ${policy.internalTrafficChain} -m comment --comment "${sp.servicePortName} cluster IP" -m ${p} -p ${p} -d ${sp.clusterIP} --dport ${sp.port}`;
  if (context.masqueradeAll) {
    rules.writeLine(`${head} -j KUBE-MARK-MASQ`);
  } else if (context.ifNotLocal !== undefined) {
    rules.writeLine(`${head} ${context.ifNotLocal} -j KUBE-MARK-MASQ`);
  }
}

/**
 * KUBE-EXT-: every external destination lands here. Cluster policy masquerades (the endpoint
 * may be on another node); Local policy keeps the client address, except for traffic from
 * local pods and from the node itself, which is short-circuited to the Cluster chain.
 */
function renderExternalChain(policy: PortPolicy, context: RenderContext, out: ChainBuffers): void {
  const { external, cluster } = policy.chains;
  const name = policy.servicePort.servicePortName;
  out.declarations.writeLine(chainLine(external));
  if (!policy.servicePort.externalPolicyLocal) {
    out.rules.writeLine(`-A ${external} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
  } else if (policy.usesClusterPolicyChain) {
    if (context.ifLocal !== undefined) {
      out.rules.writeLine(`-A ${external} -m comment --comment "pod traffic for ${name} external destinations" ${context.ifLocal} -j ${cluster}`);
    }
    out.rules.writeLine(
      `-A ${external} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
    );
    out.rules.writeLine(
      `-A ${external} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${cluster}`,
    );
  }
  if (policy.hasExternalEndpoints) out.rules.writeLine(`-A ${external} -j ${policy.externalPolicyChain}`);
}
