// loadBalancerSourceRanges for proxied traffic: a listener with ranges accepts only those sources.
import { cidrContains } from '../../../model/cidr-match.ts';

export function isSourceAllowed(sourceRanges: readonly string[], clientIP: string): boolean {
  return sourceRanges.length === 0 || sourceRanges.some((cidr) => cidrContains(cidr, clientIP));
}
