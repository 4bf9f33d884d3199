// This node's Node object → its zone and its address of this proxier's family, picked as
// upstream's GetNodeHostIPs does (InternalIPs first, then ExternalIPs).
import { childPath, indexPath, isRecord, labelValue, readArray, readRecord, readString, type FieldError } from './field-reader.ts';
import type { ModelConfig } from './inputs.ts';
import { LABEL_TOPOLOGY_ZONE } from './labels.ts';
import { readObjectMeta } from './object-meta.ts';
import { errorProblems } from './problems.ts';
import type { Problem } from './types.ts';
import { isParsedIP, parseIP } from './validate/ip.ts';
import { isLabelValue } from './validate/label.ts';

export interface ParsedNode {
  readonly nodeIPs: readonly string[];
  readonly zone: string | undefined;
}

export interface NodeParse {
  readonly node: ParsedNode | undefined;
  readonly problems: readonly Problem[];
}

const ADDRESS_TYPES_BY_PREFERENCE = ['InternalIP', 'ExternalIP'];

export function parseNode(raw: unknown, config: Pick<ModelConfig, 'ipFamily'>): NodeParse {
  if (raw === undefined) return { node: undefined, problems: [] };
  const errors: FieldError[] = [];
  if (!isRecord(raw))
    return { node: undefined, problems: errorProblems({ kind: 'Node', namespace: '', name: '' }, [{ field: '', value: raw, reason: 'must be an object' }]) };
  const { ref, labels } = readObjectMeta(raw, { kind: 'Node', namespaced: false, nameIsLabel: false }, errors);
  const zone = labelValue(labels, LABEL_TOPOLOGY_ZONE);
  if (zone !== undefined && !isLabelValue(zone)) {
    errors.push({ field: `metadata.labels[${JSON.stringify(LABEL_TOPOLOGY_ZONE)}]`, value: zone, reason: 'must be a label value' });
  }
  const status = readRecord(raw, 'status', '', errors);
  const candidates: { type: string; ip: string }[] = [];
  readArray(status, 'addresses', 'status', errors).forEach((entry, index) => {
    const path = indexPath('status.addresses', index);
    if (!isRecord(entry)) {
      errors.push({ field: path, value: entry, reason: 'must be an object' });
      return;
    }
    const type = readString(entry, 'type', path, errors) ?? '';
    const address = readString(entry, 'address', path, errors) ?? '';
    if (!ADDRESS_TYPES_BY_PREFERENCE.includes(type)) return;
    const parsed = parseIP(address);
    if (!isParsedIP(parsed)) errors.push({ field: childPath(path, 'address'), value: address, reason: parsed.error });
    else if (parsed.family === config.ipFamily) candidates.push({ type, ip: parsed.ip });
  });
  if (errors.length > 0) return { node: undefined, problems: errorProblems(ref, errors) };
  const primary = ADDRESS_TYPES_BY_PREFERENCE.map((type) => candidates.find((candidate) => candidate.type === type)).find((c) => c !== undefined);
  const nodeIPs = primary === undefined ? [] : [primary.ip];
  return { node: Object.freeze({ nodeIPs: Object.freeze(nodeIPs), zone: zone === '' ? undefined : zone }), problems: [] };
}
