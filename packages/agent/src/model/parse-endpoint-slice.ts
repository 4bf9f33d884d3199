// One raw EndpointSlice → its endpoints per slice port, for this proxier's family, or
// nothing (other family / FQDN / filtered by the selector: silently). The unit rejected is the
// smallest that leaves the rest meaningful, as endpointslicecache skips one endpoint whose
// address is not of its family: invalid metadata, addressType, ports or a non-list `endpoints`
// reject the slice (`error` Problems); an invalid endpoint is skipped alone (`invalid-part`).
import { indexPath, isRecord, labelValue, readArray, readString, type FieldError } from './field-reader.ts';
import type { ModelConfig, RawObject } from './inputs.ts';
import { isSelectedByProxy, LABEL_SERVICE_NAME } from './labels.ts';
import { readObjectMeta } from './object-meta.ts';
import { errorProblems, makeProblem, type ObjectRef } from './problems.ts';
import { readSliceEndpoint, type SliceEndpoint } from './slice-endpoints.ts';
import { makeSlicePortEndpoints, type SlicePortEndpoints } from './slice-port-endpoints.ts';
import type { IPFamily, Problem, Protocol } from './types.ts';
import { isDNS1123Label } from './validate/name.ts';
import { isProtocol, isValidPortNumber } from './validate/port.ts';

export interface ParsedSlice {
  /** `namespace/name` of the slice itself. */
  readonly key: string;
  readonly name: string;
  /** `namespace/serviceName` from the kubernetes.io/service-name label. */
  readonly serviceKey: string;
  readonly ports: readonly SlicePortEndpoints[];
}

export interface SliceParse {
  readonly slice: ParsedSlice | undefined;
  readonly problems: readonly Problem[];
}

export type SliceParseConfig = Pick<ModelConfig, 'ipFamily' | 'hostname' | 'serviceProxyName'>;

interface SlicePortSpec {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
}

const SKIPPED_SILENTLY: SliceParse = Object.freeze({ slice: undefined, problems: Object.freeze([]) });
const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];

/** Ports without a name or number are ignored, as endpointslicecache does ("Ignoring port…"). */
function readSlicePorts(object: RawObject, ignored: FieldError[], errors: FieldError[]): SlicePortSpec[] {
  const ports: SlicePortSpec[] = [];
  const names = new Set<string>();
  readArray(object, 'ports', '', errors).forEach((entry, index) => {
    const path = indexPath('ports', index);
    if (!isRecord(entry)) {
      errors.push({ field: path, value: entry, reason: 'must be an object' });
      return;
    }
    const name = readString(entry, 'name', path, errors);
    const protocol = readString(entry, 'protocol', path, errors) ?? 'TCP';
    const port = entry['port'] ?? 0;
    if (name !== undefined && name !== '' && !isDNS1123Label(name)) errors.push({ field: `${path}.name`, value: name, reason: 'must be a DNS-1123 label' });
    if (name !== undefined && names.has(name)) errors.push({ field: `${path}.name`, value: name, reason: 'must be unique within the slice' });
    if (!isProtocol(protocol)) errors.push({ field: `${path}.protocol`, value: protocol, reason: 'must be TCP, UDP or SCTP' });
    if (port !== 0 && !isValidPortNumber(port)) errors.push({ field: `${path}.port`, value: port, reason: 'must be an integer between 1 and 65535' });
    if (name === undefined) ignored.push({ field: `${path}.name`, value: undefined, reason: 'slice port without a name is ignored' });
    else if (port === 0) ignored.push({ field: `${path}.port`, value: port, reason: 'slice port without a port number is ignored' });
    else if (isProtocol(protocol) && isValidPortNumber(port)) ports.push({ name, protocol, port });
    if (name !== undefined) names.add(name);
  });
  return ports;
}

function readEndpoints(object: RawObject, addressType: IPFamily, ignored: FieldError[], skipped: FieldError[], errors: FieldError[]): SliceEndpoint[] {
  const endpoints: SliceEndpoint[] = [];
  const entries = readArray(object, 'endpoints', '', errors);
  // Indexed, not forEach/for…of: this runs per endpoint (100k in a large cluster), mostly cold.
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    const path = indexPath('endpoints', index);
    if (!isRecord(entry)) {
      skipped.push({ field: path, value: entry, reason: 'must be an object' });
      continue;
    }
    const endpoint = readSliceEndpoint(entry, path, addressType, ignored, skipped);
    if (endpoint !== undefined) endpoints.push(endpoint);
  }
  return endpoints;
}

function rejected(ref: ObjectRef, errors: readonly FieldError[]): SliceParse {
  return { slice: undefined, problems: errorProblems(ref, errors) };
}

export function parseEndpointSlice(raw: unknown, config: SliceParseConfig): SliceParse {
  const errors: FieldError[] = [];
  if (!isRecord(raw)) return rejected({ kind: 'EndpointSlice', namespace: '', name: '' }, [{ field: '', value: raw, reason: 'must be an object' }]);
  const { ref, labels } = readObjectMeta(raw, { kind: 'EndpointSlice', namespaced: true, nameIsLabel: false }, errors);
  if (errors.length > 0) return rejected(ref, errors);
  if (!isSelectedByProxy(labels, config.serviceProxyName)) return SKIPPED_SILENTLY;
  const addressType = readString(raw, 'addressType', '', errors);
  if (addressType === undefined || !ADDRESS_TYPES.includes(addressType)) {
    return rejected(ref, [...errors, { field: 'addressType', value: addressType, reason: 'must be IPv4, IPv6 or FQDN' }]);
  }
  if (addressType !== config.ipFamily) return SKIPPED_SILENTLY;

  const ignored: FieldError[] = [];
  const skipped: FieldError[] = [];
  const ports = readSlicePorts(raw, ignored, errors);
  const endpoints = readEndpoints(raw, config.ipFamily, ignored, skipped, errors);
  if (errors.length > 0) return rejected(ref, errors);
  const serviceName = labelValue(labels, LABEL_SERVICE_NAME) ?? '';
  if (serviceName === '') {
    const field = `metadata.labels[${JSON.stringify(LABEL_SERVICE_NAME)}]`;
    ignored.unshift({ field, value: undefined, reason: 'slice without a service name label is ignored' });
  }
  const problems = ignored.map((error) => makeProblem('ignored', ref, error));
  for (const error of skipped) problems.push(makeProblem('invalid-part', ref, error));
  if (serviceName === '') return { slice: undefined, problems };
  const slice: ParsedSlice = Object.freeze({
    key: `${ref.namespace}/${ref.name}`,
    name: ref.name,
    serviceKey: `${ref.namespace}/${serviceName}`,
    ports: Object.freeze(ports.map((port) => makeSlicePortEndpoints(port, endpoints, config.hostname))),
  });
  return { slice, problems };
}
