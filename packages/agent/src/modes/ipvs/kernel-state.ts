// What kpx read back (or knows it wrote) in the kernel, in the shape the diff compares.
import type { IPFamily } from '../../model/types.ts';
import { parseDeviceAddresses } from './address-text.ts';
import { cidrContains, isIPv4Literal } from '../../model/cidr-match.ts';
import { parseIpsetSave, type ObservedSets } from './ipset-text.ts';
import { parseIpvsadmSave, serviceSpec, type ParsedVirtualServer } from './ipvsadm-text.ts';
import { KUBE_IPVS_IPS, KUBE_NODE_PORT_LOCAL_SCTP, KUBE_NODE_PORT_SCTP, KUBE_NODE_PORT_TCP, KUBE_NODE_PORT_UDP } from './kernel-names.ts';
import type { VirtualServer } from './plan-types.ts';

export interface KernelState {
  /** Keyed by serviceSpec (`-t 10.0.0.1:80`). */
  readonly virtualServers: Map<string, ParsedVirtualServer>;
  readonly sets: ObservedSets;
  readonly addresses: Set<string>;
}

/** Pure: the three tools' outputs → KernelState. */
export function parseKernelState(ipvsadmSave: string, ipsetSave: string, deviceAddresses: string, family: IPFamily): KernelState {
  return {
    virtualServers: parseIpvsadmSave(ipvsadmSave).virtualServers,
    sets: parseIpsetSave(ipsetSave, family),
    addresses: parseDeviceAddresses(deviceAddresses, family),
  };
}

export interface Ownership {
  readonly family: IPFamily;
  /** --ipvs-exclude-cidrs */
  readonly excludeCIDRs: readonly string[];
}

/**
 * Whether a virtual server found in the kernel is kpx's: of its family, outside the
 * excluded CIDRs, and on an address kpx bound (kube-ipvs0 or KUBE-IPVS-IPS) or on a node
 * port kpx's node-port sets hold. Anything else belongs to someone else and is left alone.
 */
export function ownsVirtualServer(state: KernelState, service: VirtualServer, ownership: Ownership): boolean {
  if (isIPv4Literal(service.address) !== (ownership.family === 'IPv4')) return false;
  if (ownership.excludeCIDRs.some((cidr) => cidrContains(cidr, service.address))) return false;
  if (state.addresses.has(service.address) || state.sets.get(KUBE_IPVS_IPS)?.has(service.address) === true) return true;
  const port = String(service.port);
  switch (service.protocol) {
    case 'TCP':
      return state.sets.get(KUBE_NODE_PORT_TCP)?.has(port) === true;
    case 'UDP':
      return state.sets.get(KUBE_NODE_PORT_UDP)?.has(port) === true;
    case 'SCTP': {
      const entry = `${service.address},sctp:${port}`;
      return state.sets.get(KUBE_NODE_PORT_SCTP)?.has(entry) === true || state.sets.get(KUBE_NODE_PORT_LOCAL_SCTP)?.has(entry) === true;
    }
  }
}

export { serviceSpec };
