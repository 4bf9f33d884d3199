// Which cluster IP this proxier serves (upstream's GetClusterIPByFamily), with every
// listed IP validated and the other family's noted for an `ignored` Problem.
import { indexPath, readString, readStringArray, type FieldError } from './field-reader.ts';
import type { RawObject } from './inputs.ts';
import { otherFamilyReason } from './problems.ts';
import type { IPFamily } from './types.ts';
import { isParsedIP, legacyIPReason, parseIPSloppy } from './validate/ip.ts';

export type ClusterIPSelection =
  | { readonly kind: 'headless' }
  | { readonly kind: 'unset' }
  | { readonly kind: 'selected'; readonly clusterIP: string | undefined; readonly otherFamily: FieldError | undefined };

const CLUSTER_IP_NONE = 'None';

function isIPFamily(value: string): value is IPFamily {
  return value === 'IPv4' || value === 'IPv6';
}

/** `warnings` gets the legacy literals read leniently (upstream's ParseIPSloppy). */
export function selectClusterIP(spec: RawObject | undefined, ipFamily: IPFamily, errors: FieldError[], warnings: FieldError[] = []): ClusterIPSelection {
  const clusterIP = readString(spec, 'clusterIP', 'spec', errors) ?? '';
  const clusterIPs = readStringArray(spec, 'clusterIPs', 'spec', errors);
  const ipFamilies = readStringArray(spec, 'ipFamilies', 'spec', errors);
  if (clusterIP === CLUSTER_IP_NONE || clusterIPs[0] === CLUSTER_IP_NONE) return { kind: 'headless' };

  const usesList = clusterIPs.length > 0;
  const ips = usesList ? clusterIPs : clusterIP === '' ? [] : [clusterIP];
  if (ips.length === 0) return { kind: 'unset' };
  if (usesList && clusterIP !== '' && clusterIP !== clusterIPs[0]) {
    errors.push({ field: 'spec.clusterIP', value: clusterIP, reason: 'must equal spec.clusterIPs[0]' });
  }
  if (ips.length > 2) errors.push({ field: 'spec.clusterIPs', value: ips, reason: 'must hold at most one IP per family' });
  ipFamilies.forEach((family, index) => {
    if (!isIPFamily(family)) errors.push({ field: indexPath('spec.ipFamilies', index), value: family, reason: 'must be IPv4 or IPv6' });
  });

  let selected: string | undefined;
  let otherFamily: FieldError | undefined;
  const seenFamilies = new Set<IPFamily>();
  ips.forEach((ip, index) => {
    const field = usesList ? indexPath('spec.clusterIPs', index) : 'spec.clusterIP';
    const parsed = parseIPSloppy(ip);
    if (!isParsedIP(parsed)) {
      errors.push({ field, value: ip, reason: parsed.error });
      return;
    }
    if (parsed.legacy) warnings.push({ field, value: ip, reason: legacyIPReason(parsed.ip) });
    const declared = ipFamilies[index];
    if (declared !== undefined && declared !== parsed.family) {
      errors.push({ field, value: ip, reason: `must be an ${declared} address as spec.ipFamilies[${index}] says` });
    }
    if (seenFamilies.has(parsed.family)) errors.push({ field, value: ip, reason: 'must not repeat an IP family' });
    seenFamilies.add(parsed.family);
    if (parsed.family === ipFamily) selected ??= parsed.ip;
    else otherFamily ??= { field, value: ip, reason: otherFamilyReason(parsed.family, ipFamily) };
  });
  return { kind: 'selected', clusterIP: selected, otherFamily };
}
