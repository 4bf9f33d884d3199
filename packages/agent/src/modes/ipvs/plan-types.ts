// The contract between the IPVS planner (pure) and the IPVS dataplane (I/O).
import type { IPFamily, Protocol, ServicePortName } from '../../model/types.ts';
import type { JumpRule } from '../../netfilter/jump-rule.ts';
import type { RenderContext } from '../../netfilter/render-context.ts';

export interface RealServer {
  readonly address: string;
  readonly port: number;
  /** 1 for a live endpoint, 0 while draining. */
  readonly weight: number;
}

export interface VirtualServer {
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
  readonly scheduler: string;
  /** Persistence timeout in seconds (ClientIP affinity), undefined when not persistent. */
  readonly persistentSeconds: number | undefined;
  /** Scheduler flags as ipvsadm names them (`mh-port` for mh, as upstream's FlagSourceHash). */
  readonly schedulerFlags: string | undefined;
}

export interface PlannedVirtualServer extends VirtualServer {
  readonly realServers: readonly RealServer[];
}

/** One ipset entry: the set's kpx name (KUBE-…, not the family-specific kernel name) and the entry. */
export interface SetEntry {
  readonly set: string;
  readonly entry: string;
}

/** A load balancer IP:port the node itself must not reach (no source range covers the node). */
export interface NoNodeAccess {
  readonly address: string;
  readonly protocol: string;
  readonly port: number;
}

/** Everything one service port contributes to the kernel. */
export interface PortPlan {
  readonly virtualServers: readonly PlannedVirtualServer[];
  readonly setEntries: readonly SetEntry[];
  /** Addresses to bind on kube-ipvs0 (cluster IP, and external / LB IPs the node does not own). */
  readonly boundAddresses: readonly string[];
  readonly noNodeAccess: readonly NoNodeAccess[];
}

export interface IpvsIptablesPart {
  /** Input for `iptables-restore --noflush` (nat then filter, as upstream writes them). */
  readonly restoreText: string;
  readonly jumpRules: readonly JumpRule[];
}

export interface IpvsPlan {
  readonly full: boolean;
  readonly ipFamily: IPFamily;
  readonly context: RenderContext;
  /** Full: every port. Partial: the changed ports that still exist. */
  readonly ports: ReadonlyMap<ServicePortName, PortPlan>;
  /** Partial: ports that went away (their contributions are removed). Full: empty. */
  readonly removed: readonly ServicePortName[];
  /** The iptables part for a full plan; a partial plan's is re-rendered by the dataplane from all ports. */
  readonly iptables: IpvsIptablesPart | undefined;
  readonly figures: Readonly<Record<string, number>>;
}
