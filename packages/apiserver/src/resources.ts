// The resources the embedded API server serves, described once: routing, discovery,
// Status messages and list kinds are all derived from this table.

export interface ResourceInfo {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, as it appears in URLs: 'services'. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Whether the registry sets metadata.generation (1 on create, +1 when anything but metadata changes). */
  readonly hasGeneration: boolean;
  /** Whether PUT on a missing object creates it (upstream's AllowCreateOnUpdate). */
  readonly allowCreateOnUpdate: boolean;
  /** Field selector labels besides metadata.name / metadata.namespace. */
  readonly extraFieldLabels: readonly string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

export const RESOURCES: readonly ResourceInfo[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    hasGeneration: false,
    allowCreateOnUpdate: false,
    extraFieldLabels: ['status.phase'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    hasGeneration: false,
    allowCreateOnUpdate: false,
    extraFieldLabels: ['spec.clusterIP', 'spec.type'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    categories: [],
    hasGeneration: false,
    allowCreateOnUpdate: false,
    extraFieldLabels: ['spec.unschedulable'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    hasGeneration: false,
    allowCreateOnUpdate: true,
    extraFieldLabels: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'reason', 'source', 'type'],
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasGeneration: true,
    allowCreateOnUpdate: false,
    extraFieldLabels: [],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    hasGeneration: false,
    allowCreateOnUpdate: true,
    extraFieldLabels: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'reason', 'type'],
  },
];

export const RESOURCE_VERBS: readonly string[] = VERBS;

/** 'v1' or 'discovery.k8s.io/v1'. */
export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** A stable identifier of one resource's storage: 'discovery.k8s.io/endpointslices'. */
export function resourceId(info: ResourceInfo): string {
  return `${info.group}/${info.resource}`;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findResourceForObject(apiVersion: unknown, kind: unknown): ResourceInfo | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** The group versions served, in discovery order. */
export function servedGroupVersions(): readonly { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}
