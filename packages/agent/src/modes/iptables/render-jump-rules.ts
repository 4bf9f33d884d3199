// Rules in built-in chains that lead into kpx's chains (upstream's iptablesJumpChains and
// iptablesKubeletJumpChains). The dataplane ensures them with -C / -I, as kube-proxy's
// EnsureRule(Prepend, …) does, in this order.
import type { JumpRule } from './plan-types.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';
import { usesLocalnetFirewall } from './render-base-chains.ts';

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'] as const;

function jump(table: JumpRule['table'], target: string, chain: string, comment: string | undefined, extra: readonly string[] = []): JumpRule {
  const args = comment === undefined ? [...extra] : [...extra, '-m', 'comment', '--comment', comment];
  return { table, chain, target, args, position: 'prepend' };
}

const SERVICE_JUMPS: readonly JumpRule[] = [
  jump('filter', 'KUBE-EXTERNAL-SERVICES', 'INPUT', 'kubernetes externally-visible service portals', NEW),
  jump('filter', 'KUBE-EXTERNAL-SERVICES', 'FORWARD', 'kubernetes externally-visible service portals', NEW),
  jump('filter', 'KUBE-NODEPORTS', 'INPUT', 'kubernetes health check service ports'),
  jump('filter', 'KUBE-SERVICES', 'FORWARD', 'kubernetes service portals', NEW),
  jump('filter', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals', NEW),
  jump('filter', 'KUBE-FORWARD', 'FORWARD', 'kubernetes forwarding rules'),
  jump('filter', 'KUBE-PROXY-FIREWALL', 'INPUT', 'kubernetes load balancer firewall', NEW),
  jump('filter', 'KUBE-PROXY-FIREWALL', 'OUTPUT', 'kubernetes load balancer firewall', NEW),
  jump('filter', 'KUBE-PROXY-FIREWALL', 'FORWARD', 'kubernetes load balancer firewall', NEW),
  jump('nat', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals'),
  jump('nat', 'KUBE-SERVICES', 'PREROUTING', 'kubernetes service portals'),
  jump('nat', 'KUBE-POSTROUTING', 'POSTROUTING', 'kubernetes postrouting rules'),
];

/** kubelet's KUBE-FIREWALL jumps carry no comment; only ensured when kpx fills that chain. */
const LOCALNET_FIREWALL_JUMPS: readonly JumpRule[] = [
  jump('filter', 'KUBE-FIREWALL', 'INPUT', undefined),
  jump('filter', 'KUBE-FIREWALL', 'OUTPUT', undefined),
];

export function planJumpRules(context: RenderContext): readonly JumpRule[] {
  return usesLocalnetFirewall(context) ? [...SERVICE_JUMPS, ...LOCALNET_FIREWALL_JUMPS] : SERVICE_JUMPS;
}
