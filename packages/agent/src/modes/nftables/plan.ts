// The nftables plan: a full plan rewrites the whole table in one transaction; a partial plan
// sends only the elements and chains of the changed ports (their previous versions, from the
// ChangeSet, say exactly what to delete: the kernel is never listed).
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState, NodeContext } from '../../model/types.ts';
import type { NftablesModeOptions, NftablesPlan, NftObject } from './plan-types.ts';
export { sortedDispatchChains };
import { buildNftRenderContext, type NftRenderContext } from './render-context.ts';
import { BASE_CHAINS, TOP_LEVEL_CHAINS, baseChainRules, baseSets, dispatchChain } from './render-base.ts';
import { renderPort } from './render-port.ts';
import type { NftChain, NftElement, PortObjects } from './port-objects.ts';
import { CLUSTER_IPS, NODEPORT_IPS, dispatchChainName } from './names.ts';
import { addChain, addElementBatches, addRules, addSet } from './statements.ts';
import { planPartial } from './plan-partial.ts';

/** A planner bound to the mode's options; it keeps one render context per node context. */
export function createNftablesPlanner(options: NftablesModeOptions): (state: DesiredState, changed?: ChangeSet) => NftablesPlan {
  const contexts = new WeakMap<NodeContext, NftRenderContext>();
  return (state, changed) => {
    let context = contexts.get(state.node);
    if (context === undefined) {
      context = buildNftRenderContext(state, options);
      contexts.set(state.node, context);
    }
    if (changed !== undefined && !changed.full) return planPartial(state, changed, context);
    return planFull(state, context);
  };
}

export function planFull(state: DesiredState, context: NftRenderContext): NftablesPlan {
  const { target } = context;
  const ports = [...state.servicePorts.values()].map((servicePort) => renderPort(servicePort, context));
  const body: string[] = [];
  const owned: NftObject[] = [];
  const chains: NftChain[] = [...baseChainRules(context), ...sortedDispatchChains(context, ports)];
  for (const chain of BASE_CHAINS) body.push(addChain(target, chain.name, chain.spec));
  for (const name of TOP_LEVEL_CHAINS) body.push(addChain(target, name));
  for (const chain of chains.slice(BASE_CHAINS.length + TOP_LEVEL_CHAINS.length)) body.push(addChain(target, chain.name));
  for (const port of ports) for (const chain of port.chains) body.push(addChain(target, chain.name));
  for (const chain of chains) owned.push({ kind: 'chain', name: chain.name });
  for (const port of ports) for (const chain of port.chains) owned.push({ kind: 'chain', name: chain.name });
  const sets = [...baseSets(context), ...ports.flatMap((port) => port.sets)];
  for (const set of sets) {
    body.push(addSet(target, set));
    if (!set.dynamic) body.push(`flush ${set.kind} ${target} ${set.name}`);
    owned.push({ kind: set.kind, name: set.name });
  }
  for (const chain of chains) addRules(target, chain, body);
  for (const port of ports) for (const chain of port.chains) addRules(target, chain, body);
  const elements = fullElements(context, ports);
  addElementBatches(target, elements, body);
  return {
    full: true,
    ipFamily: state.node.ipFamily,
    family: context.family,
    table: context.table,
    body,
    owned,
    sharedChains: [],
    created: [],
    deleted: [],
    figures: {
      servicePorts: state.servicePorts.size,
      chains: owned.filter((o) => o.kind === 'chain').length,
      elements: elements.length,
      statements: body.length + 2,
    },
  };
}

function sortedDispatchChains(context: NftRenderContext, ports: readonly PortObjects[]): NftChain[] {
  const uses = new Map<string, NftChain>();
  for (const port of ports) {
    for (const use of port.dispatch) {
      const name = dispatchChainName(use.flavor, use.protocol, use.count);
      if (!uses.has(name)) uses.set(name, dispatchChain(context, use.flavor, use.protocol, use.count));
    }
  }
  return [...uses.keys()].sort().map((name) => uses.get(name)!);
}

/**
 * Every element, first writer winning where two ports claim one key (conflicting input). Only
 * cluster IPs and dispatch entries are checked one by one: a port's endpoint entries are checked
 * only once one of its dispatch entries was already claimed (at 30k services, checking all 420k
 * keys took 2 s of a 3.6 s first plan, most of it hashing freshly built key strings).
 */
function fullElements(context: NftRenderContext, ports: readonly PortObjects[]): NftElement[] {
  const seen = new Map<string, Set<string>>();
  const out: NftElement[] = [];
  const claim = (element: NftElement): boolean => {
    let keys = seen.get(element.container);
    if (keys === undefined) {
      keys = new Set();
      seen.set(element.container, keys);
    }
    if (keys.has(element.key)) return false;
    keys.add(element.key);
    return true;
  };
  let checkAll = false;
  for (const key of context.nodePortAddresses ?? []) if (claim({ container: NODEPORT_IPS, key })) out.push({ container: NODEPORT_IPS, key });
  for (let at = 0; at < ports.length; at++) {
    const { elements, dispatchCount } = ports[at]!;
    let conflict = false;
    for (let index = 0; index < dispatchCount; index++) {
      const element = elements[index]!;
      if (claim(element)) out.push(element);
      else if (element.container !== CLUSTER_IPS) conflict = true;
    }
    if (conflict && !checkAll) {
      // From here on every endpoint entry is checked, against all those written so far.
      checkAll = true;
      for (const earlier of ports.slice(0, at)) for (const element of earlier.elements.slice(earlier.dispatchCount)) claim(element);
    }
    for (let index = dispatchCount; index < elements.length; index++) {
      const element = elements[index]!;
      if (!checkAll || claim(element)) out.push(element);
    }
  }
  return out;
}
