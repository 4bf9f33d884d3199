// A partial plan: for each changed or deleted port, the difference between what its previous
// version programmed and what its current version needs, as element deletions and additions,
// chain rewrites and removals. A cluster IP several ports share is deleted only when no current
// port still uses it. The shared dispatch chains are immutable (their rules depend on the
// endpoint count only): the plan names the ones it points at, and the dataplane writes those the
// table lacks (rewriting one makes the kernel walk its endpoint map to re-bind it).
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState } from '../../model/types.ts';
import type { NftablesPlan, NftObject, SharedChain } from './plan-types.ts';
import type { NftRenderContext } from './render-context.ts';
import { renderPort } from './render-port.ts';
import type { NftChain, NftElement, NftSet, PortObjects } from './port-objects.ts';
import { CLUSTER_IPS, dispatchChainName } from './names.ts';
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
  const delta: Delta = {
    deletes: new Map(),
    adds: new Map(),
    chains: new Map(),
    sets: new Map(),
    oldChains: new Set(),
    oldSets: new Map(),
    dispatch: new Map(),
  };
  const names = [...new Set([...changed.changed, ...changed.deleted])].sort();
  for (const name of names) {
    const previous = changed.previous.get(name);
    const current = state.servicePorts.get(name);
    diffPort(
      previous === undefined ? undefined : renderPort(previous, context),
      current === undefined ? undefined : renderPort(current, context),
      delta,
      context,
    );
  }
  keepSharedKeys(state, delta);
  return composePartial(state, context, delta);
}

function diffPort(previous: PortObjects | undefined, current: PortObjects | undefined, delta: Delta, context: NftRenderContext): void {
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
  for (const chain of previous?.chains ?? []) delta.oldChains.add(chain.name);
  for (const set of previous?.sets ?? []) delta.oldSets.set(set.name, set);
  for (const chain of current?.chains ?? []) delta.chains.set(chain.name, chain);
  for (const set of current?.sets ?? []) delta.sets.set(set.name, set);
  for (const use of current?.dispatch ?? []) {
    const name = dispatchChainName(use.flavor, use.protocol, use.count);
    if (!delta.dispatch.has(name)) delta.dispatch.set(name, dispatchChain(context, use.flavor, use.protocol, use.count));
  }
}

/** Drops deletions of cluster IPs that an unchanged (or new) port still uses. */
function keepSharedKeys(state: DesiredState, delta: Delta): void {
  const candidates = new Set<string>();
  for (const element of delta.deletes.values()) if (element.container === CLUSTER_IPS) candidates.add(element.key);
  if (candidates.size === 0) return;
  for (const servicePort of state.servicePorts.values()) {
    if (candidates.has(servicePort.clusterIP)) delta.deletes.delete(`${CLUSTER_IPS} ${servicePort.clusterIP}`);
  }
}

function composePartial(state: DesiredState, context: NftRenderContext, delta: Delta): NftablesPlan {
  const { target } = context;
  const body: string[] = [];
  deleteElementBatches(target, [...delta.deletes.values()], body);
  const staleChains = [...delta.oldChains].filter((name) => !delta.chains.has(name));
  const staleSets = [...delta.oldSets.values()].filter((set) => !delta.sets.has(set.name));
  const shared = [...delta.dispatch.keys()].sort().map((name) => sharedChain(target, delta.dispatch.get(name)!));
  const written = [...delta.chains.values()];
  for (const chain of written) body.push(addChain(target, chain.name), `flush chain ${target} ${chain.name}`);
  for (const name of staleChains) body.push(`flush chain ${target} ${name}`);
  for (const set of delta.sets.values()) body.push(addSet(target, set));
  for (const chain of written) addRules(target, chain, body);
  for (const name of staleChains) body.push(`delete chain ${target} ${name}`);
  for (const set of staleSets) body.push(`delete ${set.kind} ${target} ${set.name}`);
  addElementBatches(target, [...delta.adds.values()], body);
  const created: NftObject[] = [
    ...shared.map((chain): NftObject => ({ kind: 'chain', name: chain.name })),
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
    sharedChains: shared,
    created,
    deleted,
    figures: {
      servicePorts: state.servicePorts.size,
      elementsDeleted: delta.deletes.size,
      elementsAdded: delta.adds.size,
      chainsWritten: written.length,
      sharedChains: shared.length,
      chainsDeleted: staleChains.length,
      statements: body.length,
    },
  };
}

function sharedChain(target: string, chain: NftChain): SharedChain {
  const lines = [addChain(target, chain.name), `flush chain ${target} ${chain.name}`];
  addRules(target, chain, lines);
  return { name: chain.name, lines };
}
