// What buildDesiredState consumes: raw objects as the API server or a YAML file gives
// them (nothing is trusted; the model validates every field it reads), and the part
// of the proxy configuration that shapes the desired state.
import type { IPFamily, LocalDetector } from './types.ts';

/** A decoded JSON/YAML object of any kind; validated field by field where read. */
export type RawObject = Readonly<Record<string, unknown>>;

export interface ClusterObjects {
  readonly services: readonly RawObject[];
  readonly endpointSlices: readonly RawObject[];
  /** This node's Node object, when known. */
  readonly node: RawObject | undefined;
}

export interface ModelConfig {
  /** --hostname-override, else the OS hostname: selects the Node object and local endpoints. */
  readonly hostname: string;
  readonly ipFamily: IPFamily;
  /** --node-ip / --bind-address; used when no Node object gives the addresses. */
  readonly nodeIPOverride: readonly string[];
  readonly detectLocal: LocalDetector;
  readonly masqueradeAll: boolean;
  readonly masqueradeBit: number;
  readonly nodePortAddresses: readonly string[];
  /**
   * The host's interface addresses (any family: the model keeps its own), read by the daemon
   * at start and on each full sync; absent when nothing read them (kpx render, explain).
   */
  readonly localAddresses?: readonly string[];
  /** The nfacct counters the daemon made sure exist where the rules live (iptables mode); absent: none. */
  readonly nfacctCounters?: readonly string[];
  readonly localhostNodePorts: boolean;
  /** --service-proxy-name: '' serves exactly the services kube-proxy would. */
  readonly serviceProxyName: string;
}
