// The addresses a Service is reachable on besides its cluster IP, filtered to this
// proxier's family as upstream's newBaseServiceInfo does.
import { childPath, indexPath, isRecord, readArray, readRecord, readString, readStringArray, type FieldError } from './field-reader.ts';
import type { RawObject } from './inputs.ts';
import { otherFamilyReason } from './problems.ts';
import type { IPFamily } from './types.ts';
import { isParsedCIDR, parseCIDR } from './validate/cidr.ts';
import { isParsedIP, legacyIPReason, parseIPSloppy } from './validate/ip.ts';

export interface ServiceAddresses {
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  /** The first address of the other family, for one `ignored` Problem. */
  readonly otherFamily: FieldError | undefined;
  /** Legacy literals read leniently (upstream's ParseIPSloppy), for `warning` Problems. */
  readonly legacy: readonly FieldError[];
}

interface FamilyFilter {
  readonly ipFamily: IPFamily;
  otherFamily: FieldError | undefined;
  readonly legacy: FieldError[];
}

function readServiceIP(filter: FamilyFilter, field: string, text: string, errors: FieldError[]): ReturnType<typeof parseIPSloppy> {
  const parsed = parseIPSloppy(text);
  if (!isParsedIP(parsed)) errors.push({ field, value: text, reason: parsed.error });
  else if (parsed.legacy) filter.legacy.push({ field, value: text, reason: legacyIPReason(parsed.ip) });
  return parsed;
}

function keepFamily(filter: FamilyFilter, family: IPFamily, field: string, value: string): boolean {
  if (family === filter.ipFamily) return true;
  filter.otherFamily ??= { field, value, reason: otherFamilyReason(family, filter.ipFamily) };
  return false;
}

function readExternalIPs(spec: RawObject | undefined, filter: FamilyFilter, errors: FieldError[]): string[] {
  const result: string[] = [];
  readStringArray(spec, 'externalIPs', 'spec', errors).forEach((text, index) => {
    const field = indexPath('spec.externalIPs', index);
    const parsed = readServiceIP(filter, field, text, errors);
    if (isParsedIP(parsed) && keepFamily(filter, parsed.family, field, text)) result.push(parsed.ip);
  });
  return result;
}

/** Trimmed (the API lets padding through), validated, family-filtered; any /0 means "allow all": []. */
function readSourceRanges(spec: RawObject | undefined, filter: FamilyFilter, errors: FieldError[]): string[] {
  const result: string[] = [];
  let allowsAll = false;
  readStringArray(spec, 'loadBalancerSourceRanges', 'spec', errors).forEach((text, index) => {
    const field = indexPath('spec.loadBalancerSourceRanges', index);
    const parsed = parseCIDR(text.trim());
    if (!isParsedCIDR(parsed)) errors.push({ field, value: text, reason: parsed.error });
    else if (keepFamily(filter, parsed.family, field, text)) {
      result.push(parsed.cidr);
      allowsAll ||= parsed.prefixLength === 0;
    }
  });
  return allowsAll ? [] : result;
}

/** `status.loadBalancer.ingress[].ip` of VIP mode; `ipMode: Proxy` ingresses get no rules. */
function readLoadBalancerVIPs(status: RawObject | undefined, filter: FamilyFilter, errors: FieldError[]): string[] {
  const loadBalancer = readRecord(status, 'loadBalancer', 'status', errors);
  const result: string[] = [];
  readArray(loadBalancer, 'ingress', 'status.loadBalancer', errors).forEach((entry, index) => {
    const path = indexPath('status.loadBalancer.ingress', index);
    if (!isRecord(entry)) {
      errors.push({ field: path, value: entry, reason: 'must be an object' });
      return;
    }
    const ip = readString(entry, 'ip', path, errors) ?? '';
    const ipMode = readString(entry, 'ipMode', path, errors);
    if (ipMode !== undefined && ipMode !== 'VIP' && ipMode !== 'Proxy') {
      errors.push({ field: childPath(path, 'ipMode'), value: ipMode, reason: 'must be VIP or Proxy' });
    }
    if (ip === '') return;
    const parsed = readServiceIP(filter, childPath(path, 'ip'), ip, errors);
    if (isParsedIP(parsed) && ipMode !== 'Proxy' && keepFamily(filter, parsed.family, childPath(path, 'ip'), ip)) result.push(parsed.ip);
  });
  return result;
}

export function readServiceAddresses(spec: RawObject | undefined, status: RawObject | undefined, ipFamily: IPFamily, errors: FieldError[]): ServiceAddresses {
  const filter: FamilyFilter = { ipFamily, otherFamily: undefined, legacy: [] };
  const externalIPs = readExternalIPs(spec, filter, errors);
  const loadBalancerSourceRanges = readSourceRanges(spec, filter, errors);
  const loadBalancerVIPs = readLoadBalancerVIPs(status, filter, errors);
  return { externalIPs, loadBalancerVIPs, loadBalancerSourceRanges, otherFamily: filter.otherFamily, legacy: filter.legacy };
}
