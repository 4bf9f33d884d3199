// What kube-proxy reads from its own Node object at start-up: the host IPs (upstream's
// GetNodeHostIPs) and the pod CIDRs. The Node is untrusted input: anything malformed is skipped.
import { cidrFamilyOf, ipFamilyOf } from './checks.ts';
import type { RawObject } from '../model/inputs.ts';

/** The node's primary IP, then the first of the other family: InternalIPs before ExternalIPs. */
export function nodeHostIPs(node: RawObject | undefined): string[] {
  const status = asRecord(node?.status);
  const addresses = Array.isArray(status?.addresses) ? status.addresses : [];
  const byType = (type: string): string[] =>
    addresses.flatMap((entry) => {
      const address = asRecord(entry);
      return address?.type === type && typeof address.address === 'string' && ipFamilyOf(address.address) !== undefined ? [address.address] : [];
    });
  const all = [...byType('InternalIP'), ...byType('ExternalIP')];
  const primary = all[0];
  if (primary === undefined) return [];
  const secondary = all.find((ip) => ipFamilyOf(ip) !== ipFamilyOf(primary));
  return secondary === undefined ? [primary] : [primary, secondary];
}

/** `spec.podCIDRs`, else `spec.podCIDR`, keeping only well-formed CIDRs. */
export function nodePodCIDRs(node: RawObject | undefined): string[] {
  const spec = asRecord(node?.spec);
  const list = Array.isArray(spec?.podCIDRs) ? spec.podCIDRs : typeof spec?.podCIDR === 'string' ? [spec.podCIDR] : [];
  return list.filter((cidr): cidr is string => typeof cidr === 'string' && cidrFamilyOf(cidr) !== undefined);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
