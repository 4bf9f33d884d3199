// KUBE-FW-: loadBalancerSourceRanges. Allowed sources continue to KUBE-EXT-; the rest falls
// off the end un-DNATed and is dropped by the matching KUBE-PROXY-FIREWALL rule in filter.
import { chainLine } from '../../netfilter/restore-text.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import type { PortPolicy } from './render-port-policy.ts';
import type { ChainBuffers } from './chain-buffers.ts';
import { cidrContains } from '../../model/cidr-match.ts';

export function renderFirewallChain(policy: PortPolicy, context: RenderContext, out: ChainBuffers): void {
  const { firewall, external } = policy.chains;
  const sp = policy.servicePort;
  const head = `-A ${firewall} -m comment --comment "${sp.servicePortName} loadbalancer IP"`;
  out.declarations.writeLine(chainLine(firewall));
  let allowFromNode = false;
  for (const cidr of sp.loadBalancerSourceRanges) {
    out.rules.writeLine(`${head} -s ${cidr} -j ${external}`);
    if (context.primaryNodeIP !== undefined && cidrContains(cidr, context.primaryNodeIP)) allowFromNode = true;
  }
  // A VIP-like load balancer often makes the VIP a local address: a request from this node
  // then loops back with the VIP as its source, and must be let through too.
  if (allowFromNode) {
    for (const vip of sp.loadBalancerVIPs) out.rules.writeLine(`${head} -s ${vip} -j ${external}`);
  }
  out.rules.writeLine(`-A ${firewall} -m comment --comment "other traffic to ${sp.servicePortName} will be dropped by KUBE-PROXY-FIREWALL"`);
}
