// A partial plan: for each changed or deleted port, the difference between what its previous
// version programmed and what its current version needs, as element deletions and additions,
// chain rewrites and removals. Keys several ports share (a service's cluster IP, an endpoint's
// hairpin entry) are deleted only when no current port still uses them.
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState, ServicePort } from '../../model/types.ts';
import type { NftablesPlan, NftObject } from './plan-types.ts';
import type { NftRenderContext } from './render-context.ts';
import { renderPort } from './render-port.ts';
import type { NftChain, NftElement, NftSet, PortObjects } from './port-objects.ts';
import { CLUSTER_IPS, HAIRPIN_ENDPOINTS, dispatchChainName } from './names.ts';
import { dispatchChain } from './render-base.ts';
import { addChain, addElementBatches, addRules, addSet, deleteElementBatches, elementContent, elementId } from './statements.ts';

interface Delta {
  readonly deletes: Map<string, NftElement>;
  readonly adds: Map<string, NftElement>;
  readonly chains: Map<string, NftChain>;
  readonly sets: Map<string, NftSet>;
  readonly oldChains: Set<string>;
  readonly oldSets: Map<string, NftSet>;
  readonly dispatch: Map<string, NftChain>;
}

export function planPartial(state: DesiredState, changed: ChangeSet, context: NftRenderContext): NftablesPlan {
  const delta: Delta = { deletes: new Map(), adds: new Map(), chains: new Map(), sets: new Map(), oldChains: new Set(), oldSets: new Map(), dispatch: new Map() };
  const names = [...new Set([...changed.changed, ...changed.deleted])].sort();
  for (const name of names) {
    const previous = changed.previous.get(name);
    const current = state.servicePorts.get(name);
    diffPort(previous === undefined ? undefined : portElements(previous, context), current === undefined ? undefined : portElements(current, context), delta, context);
  }
  keepSharedKeys(state, context, delta);
  return composePartial(state, context, delta);
}

interface Rendered {
  readonly objects: PortObjects;
  readonly elements: readonly NftElement[];
}

function portElements(servicePort: ServicePort, context: NftRenderContext): Rendered {
  const objects = renderPort(servicePort, context);
  const hairpin = objects.hairpinIPs.map((ip): NftElement => ({ container: HAIRPIN_ENDPOINTS, key: `${ip} . ${ip}` }));
  return { objects, elements: [...hairpin, ...objects.elements] };
}

function diffPort(previous: Rendered | undefined, current: Rendered | undefined, delta: Delta, context: NftRenderContext): void {
  const now = new Map<string, NftElement>();
  for (const element of current?.elements ?? []) now.set(elementId(element), element);
  for (const element of previous?.elements ?? []) {
    const id = elementId(element);
    const next = now.get(id);
    if (next !== undefined && elementContent(next) === elementContent(element)) {
      now.delete(id);
      continue;
    }
    delta.deletes.set(id, element);
  }
  for (const [id, element] of now) if (!delta.adds.has(id)) delta.adds.set(id, element);
  for (const chain of previous?.objects.chains ?? []) delta.oldChains.add(chain.name);
  for (const set of previous?.objects.sets ?? []) delta.oldSets.set(set.name, set);
  for (const chain of current?.objects.chains ?? []) delta.chains.set(chain.name, chain);
  for (const set of current?.objects.sets ?? []) delta.sets.set(set.name, set);
  for (const use of current?.objects.dispatch ?? []) {
    const name = dispatchChainName(use.flavor, use.protocol, use.count);
    if (!delta.dispatch.has(name)) delta.dispatch.set(name, dispatchChain(context, use.flavor, use.protocol, use.count));
  }
}

/** Drops deletions of cluster IPs and hairpin entries that an unchanged (or new) port still uses. */
function keepSharedKeys(state: DesiredState, context: NftRenderContext, delta: Delta): void {
  const candidates = new Set<string>();
  for (const [id, element] of delta.deletes) {
    if (element.container === CLUSTER_IPS || element.container === HAIRPIN_ENDPOINTS) candidates.add(id);
  }
  if (candidates.size === 0) return;
  for (const servicePort of state.servicePorts.values()) {
    const objects = renderPort(servicePort, context);
    const clusterIP = `${CLUSTER_IPS} ${servicePort.clusterIP}`;
    if (candidates.has(clusterIP)) delta.deletes.delete(clusterIP);
    for (const ip of objects.hairpinIPs) {
      const id = `${HAIRPIN_ENDPOINTS} ${ip} . ${ip}`;
      if (candidates.has(id)) delta.deletes.delete(id);
    }
  }
}

function composePartial(state: DesiredState, context: NftRenderContext, delta: Delta): NftablesPlan {
  const { target } = context;
  const body: string[] = [];
  deleteElementBatches(target, [...delta.deletes.values()], body);
  const staleChains = [...delta.oldChains].filter((name) => !delta.chains.has(name));
  const staleSets = [...delta.oldSets.values()].filter((set) => !delta.sets.has(set.name));
  const written = [...[...delta.dispatch.keys()].sort().map((name) => delta.dispatch.get(name)!), ...delta.chains.values()];
  for (const chain of written) body.push(addChain(target, chain.name), `flush chain ${target} ${chain.name}`);
  for (const name of staleChains) body.push(`flush chain ${target} ${name}`);
  for (const set of delta.sets.values()) body.push(addSet(target, set));
  for (const chain of written) addRules(target, chain, body);
  for (const name of staleChains) body.push(`delete chain ${target} ${name}`);
  for (const set of staleSets) body.push(`delete ${set.kind} ${target} ${set.name}`);
  addElementBatches(target, [...delta.adds.values()], body);
  const created: NftObject[] = [
    ...written.map((chain): NftObject => ({ kind: 'chain', name: chain.name })),
    ...[...delta.sets.values()].map((set): NftObject => ({ kind: set.kind, name: set.name })),
  ];
  const deleted: NftObject[] = [
    ...staleChains.map((name): NftObject => ({ kind: 'chain', name })),
    ...staleSets.map((set): NftObject => ({ kind: set.kind, name: set.name })),
  ];
  return {
    full: false,
    ipFamily: state.node.ipFamily,
    family: context.family,
    table: context.table,
    body,
    owned: [],
    created,
    deleted,
    figures: { servicePorts: state.servicePorts.size, elementsDeleted: delta.deletes.size, elementsAdded: delta.adds.size, chainsWritten: written.length, chainsDeleted: staleChains.length, statements: body.length },
  };
}
