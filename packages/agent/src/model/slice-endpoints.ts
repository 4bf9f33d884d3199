// spec of one EndpointSlice endpoint, validated (addresses, conditions, topology), as
// endpointslicecache reads it: ready nil = true, serving nil = true, terminating nil = false.
// An invalid endpoint is the unit skipped: the rest of its slice is used.
import { childPath, indexPath, isRecord, readArray, readBoolean, readRecord, readString, type FieldError } from './field-reader.ts';
import type { RawObject } from './inputs.ts';
import type { IPFamily } from './types.ts';
import { isParsedIP, parseIP } from './validate/ip.ts';
import { isLabelValue } from './validate/label.ts';
import { isDNS1123Subdomain } from './validate/name.ts';

export interface SliceEndpoint {
  /** Canonical form of addresses[0], the only one kube-proxy uses. */
  readonly ip: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName: string | undefined;
  readonly zone: string | undefined;
  readonly zoneHints: readonly string[];
  readonly nodeHints: readonly string[];
}

const NO_HINTS: readonly string[] = Object.freeze([]);

function readHintNames(hints: RawObject | undefined, key: string, path: string, isValid: (name: string) => boolean, errors: FieldError[]): readonly string[] {
  const entries = readArray(hints, key, path, errors);
  if (entries.length === 0) return NO_HINTS;
  const names = new Set<string>();
  const listPath = childPath(path, key);
  entries.forEach((entry, index) => {
    const entryPath = indexPath(listPath, index);
    if (!isRecord(entry)) {
      errors.push({ field: entryPath, value: entry, reason: 'must be an object' });
      return;
    }
    const name = readString(entry, 'name', entryPath, errors);
    if (name === undefined || name === '' || !isValid(name)) {
      errors.push({ field: childPath(entryPath, 'name'), value: name, reason: key === 'forZones' ? 'must be a label value' : 'must be a DNS-1123 subdomain' });
    } else {
      names.add(name);
    }
  });
  return names.size === 0 ? NO_HINTS : Object.freeze([...names].sort());
}

/** addresses[0] failed: the endpoint is skipped (kube-proxy uses no other address in its place). */
const INVALID_FIRST = Symbol('invalid first address');

/**
 * Canonical addresses[0], or undefined when there is none. Every bad address is recorded; only
 * a bad addresses[0] (or a non-list) makes the endpoint unusable, as endpointslicecache skips an
 * endpoint whose first address is not of the proxier's family and never reads the others.
 */
function readAddress(entry: RawObject, path: string, addressType: IPFamily, skipped: FieldError[]): string | undefined | typeof INVALID_FIRST {
  const before = skipped.length;
  const addresses = readArray(entry, 'addresses', path, skipped);
  if (skipped.length > before) return INVALID_FIRST;
  let first: string | typeof INVALID_FIRST | undefined;
  for (let index = 0; index < addresses.length; index++) {
    const address = addresses[index];
    const parsed = typeof address === 'string' ? parseIP(address) : { error: 'must be a string' };
    const reason = !isParsedIP(parsed)
      ? parsed.error
      : parsed.family !== addressType
        ? `must be an ${addressType} address (the slice's addressType)`
        : undefined;
    if (reason !== undefined) skipped.push({ field: indexPath(childPath(path, 'addresses'), index), value: address, reason });
    if (index === 0) first = isParsedIP(parsed) && reason === undefined ? parsed.ip : INVALID_FIRST;
  }
  return first;
}

/**
 * One endpoint, or undefined when it cannot be used: without addresses (recorded in `ignored`)
 * or invalid (every bad field recorded in `skipped`). A bad address after the first is recorded
 * but the endpoint is kept: kube-proxy never uses it.
 */
export function readSliceEndpoint(
  entry: RawObject,
  path: string,
  addressType: IPFamily,
  ignored: FieldError[],
  skipped: FieldError[],
): SliceEndpoint | undefined {
  const ip = readAddress(entry, path, addressType, skipped);
  const before = skipped.length;
  const conditionsPath = childPath(path, 'conditions');
  const conditions = readRecord(entry, 'conditions', path, skipped);
  const ready = readBoolean(conditions, 'ready', conditionsPath, skipped) ?? true;
  const serving = readBoolean(conditions, 'serving', conditionsPath, skipped) ?? true;
  const terminating = readBoolean(conditions, 'terminating', conditionsPath, skipped) ?? false;
  const nodeName = readString(entry, 'nodeName', path, skipped);
  if (nodeName !== undefined && !isDNS1123Subdomain(nodeName)) {
    skipped.push({ field: childPath(path, 'nodeName'), value: nodeName, reason: 'must be a DNS-1123 subdomain' });
  }
  const zone = readString(entry, 'zone', path, skipped);
  if (zone !== undefined && !isLabelValue(zone)) skipped.push({ field: childPath(path, 'zone'), value: zone, reason: 'must be a label value' });
  const hints = readRecord(entry, 'hints', path, skipped);
  const hintsPath = hints === undefined ? '' : childPath(path, 'hints');
  const zoneHints = hints === undefined ? NO_HINTS : readHintNames(hints, 'forZones', hintsPath, isLabelValue, skipped);
  const nodeHints = hints === undefined ? NO_HINTS : readHintNames(hints, 'forNodes', hintsPath, isDNS1123Subdomain, skipped);
  if (ip === INVALID_FIRST || skipped.length > before) return undefined;
  if (ip === undefined) {
    ignored.push({ field: childPath(path, 'addresses'), value: entry['addresses'], reason: 'endpoint without addresses is ignored' });
    return undefined;
  }
  return { ip, ready, serving, terminating, nodeName, zone, zoneHints, nodeHints };
}
