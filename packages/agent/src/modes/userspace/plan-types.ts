// The contract between the userspace planner (pure) and the userspace dataplane (sockets).
import type { IPFamily, Protocol, ServicePortName, SessionAffinity } from '../../model/types.ts';

/** Which address of a service port a listener serves; decides the endpoint set it uses. */
export type ListenerKind = 'clusterIP' | 'nodePort' | 'externalIP' | 'loadBalancer';

export interface UpstreamEndpoint {
  readonly ip: string;
  readonly port: number;
  /** `ip:port` (`[ip]:port` for IPv6), upstream's Endpoint.String(). */
  readonly endpoint: string;
}

/** One socket kpx listens on: a service address and port, and where its traffic goes. */
export interface UserspaceListener {
  /** `PROTOCOL/address:port`: identifies the socket across plans. */
  readonly key: string;
  readonly servicePortName: ServicePortName;
  readonly kind: ListenerKind;
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
  /** Endpoints in round-robin order. Empty: nothing listens, so the kernel refuses (RST / ICMP). */
  readonly endpoints: readonly UpstreamEndpoint[];
  readonly sessionAffinity: SessionAffinity;
  /** Source CIDRs allowed (loadBalancerSourceRanges); empty = any source. */
  readonly sourceRanges: readonly string[];
}

/** A listener the plan could not open because an earlier service port holds the same socket. */
export interface ListenerConflict {
  readonly key: string;
  readonly servicePortName: ServicePortName;
  readonly heldBy: ServicePortName;
}

export interface UserspacePlan {
  /** Always true: a userspace plan is the whole listener set; the dataplane diffs it live. */
  readonly full: boolean;
  readonly ipFamily: IPFamily;
  /** Sorted by key. */
  readonly listeners: readonly UserspaceListener[];
  /** Service addresses kpx must make local (cluster, external and load-balancer IPs), sorted. */
  readonly serviceAddresses: readonly string[];
  readonly conflicts: readonly ListenerConflict[];
  readonly figures: Readonly<Record<string, number>>;
}
