// Which lists strategic merge patch merges instead of replacing, per kind: upstream's
// `patchStrategy:"merge"` / `patchMergeKey` struct tags for the kinds this server serves.
// A list not named here is replaced whole (atomic), as upstream does for untagged lists. Pure.

export interface ListMergeMeta {
  /** Absent for lists of primitives, which merge as sets. */
  readonly mergeKey?: string;
}

const METADATA: Readonly<Record<string, ListMergeMeta>> = {
  'metadata.finalizers': {},
  'metadata.ownerReferences': { mergeKey: 'uid' },
};

const BY_KIND: Readonly<Record<string, Readonly<Record<string, ListMergeMeta>>>> = {
  Service: {
    'spec.ports': { mergeKey: 'port' },
    'status.conditions': { mergeKey: 'type' },
  },
  Node: {
    'spec.podCIDRs': {},
    'status.conditions': { mergeKey: 'type' },
    'status.addresses': { mergeKey: 'type' },
  },
  Namespace: {
    'status.conditions': { mergeKey: 'type' },
  },
};

/** `path` is the dotted field path from the object root, list elements adding nothing. */
export function listMergeMeta(kind: string, path: string): ListMergeMeta | undefined {
  return METADATA[path] ?? BY_KIND[kind]?.[path];
}
