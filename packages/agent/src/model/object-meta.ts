// metadata.namespace / metadata.name / labels / the memoization key of a raw object.
import { readLabels, readRecord, type FieldError, type Labels } from './field-reader.ts';
import type { RawObject } from './inputs.ts';
import type { ObjectRef } from './problems.ts';
import type { ObjectKind } from './types.ts';
import { isDNS1123Label, isDNS1123Subdomain } from './validate/name.ts';

export interface ObjectMeta {
  readonly ref: ObjectRef;
  readonly labels: Labels;
}

export interface ReadMetaOptions {
  readonly kind: ObjectKind;
  readonly namespaced: boolean;
  /** Services are DNS labels; EndpointSlices and Nodes DNS subdomains. */
  readonly nameIsLabel: boolean;
}

export function readObjectMeta(raw: RawObject, options: ReadMetaOptions, errors: FieldError[]): ObjectMeta {
  const metadata = readRecord(raw, 'metadata', '', errors);
  const namespace = options.namespaced ? metadata?.['namespace'] : '';
  const name = metadata?.['name'];
  if (typeof namespace !== 'string' || (options.namespaced && !isDNS1123Label(namespace))) {
    errors.push({ field: 'metadata.namespace', value: namespace, reason: 'must be a DNS-1123 label' });
  }
  const isValidName = options.nameIsLabel ? isDNS1123Label : isDNS1123Subdomain;
  if (typeof name !== 'string' || !isValidName(name)) {
    errors.push({ field: 'metadata.name', value: name, reason: options.nameIsLabel ? 'must be a DNS-1123 label' : 'must be a DNS-1123 subdomain' });
  }
  return {
    ref: { kind: options.kind, namespace: typeof namespace === 'string' ? namespace : '', name: typeof name === 'string' ? name : '' },
    labels: readLabels(metadata, errors),
  };
}

/** `uid` + `resourceVersion` when both are non-empty strings: a stable cache key across lists. */
export function versionKey(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const metadata = (raw as RawObject)['metadata'];
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { uid, resourceVersion } = metadata as RawObject;
  if (typeof uid !== 'string' || uid === '' || typeof resourceVersion !== 'string' || resourceVersion === '') return undefined;
  return `${uid}\u0000${resourceVersion}`;
}
