// The columns `kubectl get` shows, computed server-side as upstream's printers do for the
// kinds served here (pkg/printers/internalversion/printers.go). Pure.
import { humanDuration } from './human-duration.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './patch/json-value.ts';

export interface TableColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (object: JsonObject, nowMs: number) => string;
}

function field(object: JsonValue | undefined, path: string): JsonValue | undefined {
  let current = object;
  for (const part of path.split('.')) current = isJsonObject(current) ? current[part] : undefined;
  return current;
}

function text(value: JsonValue | undefined, fallback = '<none>'): string {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : fallback;
}

function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function age(object: JsonObject, nowMs: number): string {
  const created = Date.parse(String(field(object, 'metadata.creationTimestamp') ?? ''));
  return Number.isNaN(created) ? '<unknown>' : humanDuration(nowMs - created);
}

const NAME: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  priority: 0,
  description: 'Name must be unique within a namespace.',
  cell: (o) => text(field(o, 'metadata.name'), ''),
};
const AGE: TableColumn = {
  name: 'Age',
  type: 'string',
  format: '',
  priority: 0,
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: age,
};

function column(name: string, cell: TableColumn['cell'], priority = 0): TableColumn {
  return { name, type: 'string', format: '', description: name, priority, cell };
}

function servicePorts(object: JsonObject): string {
  const ports = list(field(object, 'spec.ports')).map((p) => {
    const protocol = text(field(p, 'protocol'), 'TCP');
    const nodePort = field(p, 'nodePort');
    return typeof nodePort === 'number' && nodePort !== 0
      ? `${text(field(p, 'port'), '')}:${nodePort}/${protocol}`
      : `${text(field(p, 'port'), '')}/${protocol}`;
  });
  return ports.length === 0 ? '<none>' : ports.join(',');
}

function serviceExternalIP(object: JsonObject): string {
  const type = text(field(object, 'spec.type'), 'ClusterIP');
  const externalIPs = list(field(object, 'spec.externalIPs')).map((ip) => text(ip, ''));
  if (type === 'ExternalName') return text(field(object, 'spec.externalName'));
  if (type === 'LoadBalancer') {
    const ingress = list(field(object, 'status.loadBalancer.ingress')).map((i) => text(field(i, 'ip'), text(field(i, 'hostname'), '')));
    const all = [...ingress, ...externalIPs].filter((s) => s !== '');
    return all.length === 0 ? '<pending>' : all.join(',');
  }
  return externalIPs.length === 0 ? '<none>' : externalIPs.join(',');
}

function selector(object: JsonObject): string {
  const map = field(object, 'spec.selector');
  if (!isJsonObject(map) || Object.keys(map).length === 0) return '<none>';
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${text(map[k], '')}`)
    .join(',');
}

function sliceEndpoints(object: JsonObject): string {
  const addresses = list(field(object, 'endpoints')).flatMap((e) => list(field(e, 'addresses')).map((a) => text(a, '')));
  if (addresses.length === 0) return '<unset>';
  const shown = addresses.slice(0, 3).join(',');
  return addresses.length > 3 ? `${shown} + ${addresses.length - 3} more...` : shown;
}

function slicePorts(object: JsonObject): string {
  const ports = list(field(object, 'ports')).map((p) => text(field(p, 'port'), '<unset>'));
  return ports.length === 0 ? '<unset>' : ports.join(',');
}

function nodeStatus(object: JsonObject): string {
  const ready = list(field(object, 'status.conditions')).find((c) => field(c, 'type') === 'Ready');
  const status = ready === undefined ? 'Unknown' : field(ready, 'status') === 'True' ? 'Ready' : 'NotReady';
  return field(object, 'spec.unschedulable') === true ? `${status},SchedulingDisabled` : status;
}

function nodeRoles(object: JsonObject): string {
  const labels = field(object, 'metadata.labels');
  const roles = isJsonObject(labels)
    ? Object.keys(labels)
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
        .filter((r) => r !== '')
    : [];
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function nodeAddress(type: string): TableColumn['cell'] {
  return (o) =>
    text(
      field(
        list(field(o, 'status.addresses')).find((a) => field(a, 'type') === type),
        'address',
      ),
    );
}

const BY_KIND: Readonly<Record<string, readonly TableColumn[]>> = {
  Service: [
    NAME,
    column('Type', (o) => text(field(o, 'spec.type'), 'ClusterIP')),
    column('Cluster-IP', (o) => text(field(o, 'spec.clusterIP'))),
    column('External-IP', serviceExternalIP),
    column('Port(s)', servicePorts),
    AGE,
    column('Selector', selector, 1),
  ],
  EndpointSlice: [NAME, column('AddressType', (o) => text(field(o, 'addressType'), '')), column('Ports', slicePorts), column('Endpoints', sliceEndpoints), AGE],
  Node: [
    NAME,
    column('Status', nodeStatus),
    column('Roles', nodeRoles),
    AGE,
    column('Version', (o) => text(field(o, 'status.nodeInfo.kubeletVersion'), '')),
    column('Internal-IP', nodeAddress('InternalIP'), 1),
    column('External-IP', nodeAddress('ExternalIP'), 1),
  ],
  Namespace: [NAME, column('Status', (o) => text(field(o, 'status.phase'), '')), AGE],
};

export function tableColumns(kind: string): readonly TableColumn[] {
  return BY_KIND[kind] ?? [NAME, { ...AGE, name: 'Created At', type: 'date', cell: (o) => text(field(o, 'metadata.creationTimestamp'), '') }];
}
