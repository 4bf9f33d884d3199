// The last rule(s) of nat KUBE-SERVICES: hand traffic to a node address over to KUBE-NODEPORTS,
// honouring --nodeport-addresses and localhost node ports as upstream does.
import type { LineBuffer } from '../../netfilter/restore-text.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import { nodeIPsIn, nodePortCandidates } from '../../model/node-port-addresses.ts';

const COMMENT = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

export function renderNodePortsJump(context: RenderContext, out: LineBuffer): void {
  if (context.nodePortAddresses.matchAll) {
    // Block localhost node ports unless they are supported: never on IPv6, on IPv4 only with route_localnet.
    const exclude = context.isIPv6 ? ' ! -d ::1/128' : context.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    out.writeLine(`-A KUBE-SERVICES -m comment --comment ${COMMENT} -m addrtype --dst-type LOCAL${exclude} -j KUBE-NODEPORTS`);
    return;
  }
  for (const ip of nodePortAddresses(context)) {
    out.writeLine(`-A KUBE-SERVICES -m comment --comment ${COMMENT} -d ${ip} -j KUBE-NODEPORTS`);
  }
}

/**
 * The node's addresses inside the node port CIDRs: upstream enumerates the interfaces, and
 * the daemon hands their addresses in (node.localAddresses); without them (kpx render) the
 * node IPs and the loopback address, which covers `primary` and node CIDRs.
 */
function nodePortAddresses(context: RenderContext): string[] {
  const loopback = context.isIPv6 ? '::1' : '127.0.0.1';
  // Loopback node ports never work on IPv6 and need route_localnet on IPv4.
  const usesLoopback = !context.isIPv6 && context.localhostNodePorts;
  return nodeIPsIn(context.nodePortAddresses, [loopback, ...nodePortCandidates(context.node)]).filter((ip) => ip !== loopback || usesLoopback);
}
