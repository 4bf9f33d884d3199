// spec.ports of a Service, validated as the API server does.
import { indexPath, isRecord, readArray, readNumber, readString, type FieldError } from './field-reader.ts';
import type { RawObject } from './inputs.ts';
import type { Protocol } from './types.ts';
import { isDNS1123Label, isIANASvcName } from './validate/name.ts';
import { isProtocol, isValidPortNumber } from './validate/port.ts';

export interface ServiceSpecPort {
  /** '' when unnamed. */
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** 0 when none. */
  readonly nodePort: number;
}

const PORT_RANGE_REASON = 'must be an integer between 1 and 65535';

function checkTargetPort(value: unknown, field: string, errors: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'string' ? isIANASvcName(value) : isValidPortNumber(value)) return;
  errors.push({ field, value, reason: `${PORT_RANGE_REASON}, or an IANA service name` });
}

function readServicePort(entry: RawObject, path: string, portCount: number, errors: FieldError[]): ServiceSpecPort {
  const name = readString(entry, 'name', path, errors) ?? '';
  if (name === '' && portCount > 1) {
    errors.push({ field: `${path}.name`, value: name, reason: 'is required when the service has more than one port' });
  } else if (name !== '' && !isDNS1123Label(name)) {
    errors.push({ field: `${path}.name`, value: name, reason: 'must be a DNS-1123 label' });
  }
  const protocol = readString(entry, 'protocol', path, errors) ?? 'TCP';
  if (!isProtocol(protocol)) errors.push({ field: `${path}.protocol`, value: protocol, reason: 'must be TCP, UDP or SCTP' });
  const port = entry['port'];
  if (!isValidPortNumber(port)) errors.push({ field: `${path}.port`, value: port, reason: PORT_RANGE_REASON });
  const nodePort = readNumber(entry, 'nodePort', path, errors) ?? 0;
  if (nodePort !== 0 && !isValidPortNumber(nodePort)) errors.push({ field: `${path}.nodePort`, value: nodePort, reason: PORT_RANGE_REASON });
  checkTargetPort(entry['targetPort'], `${path}.targetPort`, errors);
  return { name, protocol: isProtocol(protocol) ? protocol : 'TCP', port: isValidPortNumber(port) ? port : 0, nodePort };
}

export function readServiceSpecPorts(spec: RawObject | undefined, errors: FieldError[]): ServiceSpecPort[] {
  const entries = readArray(spec, 'ports', 'spec', errors);
  const names = new Set<string>();
  const ports: ServiceSpecPort[] = [];
  entries.forEach((entry, index) => {
    const path = indexPath('spec.ports', index);
    if (!isRecord(entry)) {
      errors.push({ field: path, value: entry, reason: 'must be an object' });
      return;
    }
    const port = readServicePort(entry, path, entries.length, errors);
    if (names.has(port.name)) errors.push({ field: `${path}.name`, value: port.name, reason: 'must be unique within the service' });
    names.add(port.name);
    ports.push(Object.freeze(port));
  });
  return ports;
}
