// The iptables plan: composes the render steps into one iptables-restore payload for the
// filter and nat tables, plus the jump rules and the chain inventory the dataplane needs.
import { LOCALHOST_NODEPORTS_ACCEPTED_COUNTER } from './nfacct-counters.ts';
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState, ServicePortName } from '../../model/types.ts';
import type { IptablesPlan } from './plan-types.ts';
import { chainLine, joinTables, LineBuffer } from '../../netfilter/restore-text.ts';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chain-names.ts';
import { buildRenderContext, type RenderContext } from '../../netfilter/render-context.ts';
import {
  declareChains,
  filterTopLevelChains,
  natTopLevelChains,
  renderForwardRules,
  renderLocalnetFirewall,
  renderMasqueradeRules,
} from './render-base-chains.ts';
import { DISPATCH_CHAINS, newDispatchBuffers, renderServiceDispatch, type DispatchBuffers, type DispatchChain } from './render-service-dispatch.ts';
import { findChangedDispatchChains } from './render-dispatch-changes.ts';
import { renderServiceChains } from './render-service-chains.ts';
import type { ChainBuffers } from './chain-buffers.ts';
import { decidePortPolicy } from './render-port-policy.ts';
import { renderNodePortsJump } from './render-nodeports.ts';
import { findStaleChains } from './render-stale-chains.ts';
import { planJumpRules } from './render-jump-rules.ts';

interface ServicePortRendering {
  readonly dispatch: DispatchBuffers;
  readonly chains: ChainBuffers;
  /** Every per-service nat chain the state needs, in declaration order. */
  readonly ownedServiceChains: string[];
  /** For each port whose chains were rewritten: the chains it needs now. */
  readonly rewritten: Map<ServicePortName, readonly string[]>;
  readonly endpointCount: number;
}

/**
 * Without `changed` (or with a full ChangeSet), every kpx chain is rewritten. A partial plan
 * writes the changed ports' own chains, and only those top-level chains whose rules differ:
 * the node context is unchanged (else the ChangeSet is full), so the chains that depend on it
 * alone (KUBE-FORWARD, KUBE-POSTROUTING, KUBE-MARK-MASQ, KUBE-FIREWALL) never are. A periodic
 * partial plan (changed.periodic) writes every top-level chain, as each of upstream's syncs
 * does, and still only the changed ports' own chains.
 */
export function planIptables(state: DesiredState, changed?: ChangeSet): IptablesPlan {
  const context = buildRenderContext(state);
  const partial = changed !== undefined && !changed.full ? changed : undefined;
  // A periodic partial plan rewrites every top-level chain, as each of upstream's syncs does.
  const everyTopLevel = partial === undefined || partial.periodic === true;
  const dispatchWritten: ReadonlySet<DispatchChain> = everyTopLevel ? new Set(DISPATCH_CHAINS) : findChangedDispatchChains(partial, state.servicePorts);
  const rendering = renderServicePorts(state, context, partial, dispatchWritten.size > 0);
  const stale = partial === undefined ? [] : findStaleChains(partial, rendering.rewritten);
  const written: WrittenChains = { full: partial === undefined, topLevel: everyTopLevel, dispatch: dispatchWritten };
  const filter = assembleFilter(context, rendering.dispatch, written);
  const nat = assembleNat(context, rendering, stale, written);
  let chainsWritten = 0;
  for (const chains of rendering.rewritten.values()) chainsWritten += chains.length;
  // A partial plan leaves out a table it has nothing to write to.
  const tables = [
    { table: 'filter', parts: filter },
    { table: 'nat', parts: nat },
  ].filter(({ parts }) => written.full || parts.buffers.some((buffer) => buffer.lineCount > 0));
  return {
    full: partial === undefined,
    ipFamily: state.node.ipFamily,
    restoreText: joinTables(tables.map(({ table, parts }) => ({ table, buffers: parts.buffers }))),
    ownedChains: {
      filter: filterTopLevelChains(context),
      nat: [...natTopLevelChains(), ...rendering.ownedServiceChains],
    },
    jumpRules: planJumpRules(context),
    figures: {
      servicePorts: state.servicePorts.size,
      endpoints: rendering.endpointCount,
      filterChains: filter.chains,
      filterRules: filter.rules,
      natChains: nat.chains,
      natRules: nat.rules,
      chainsWritten,
      chainsDeleted: stale.length,
    },
  };
}

/** What a plan writes besides the service chains. */
interface WrittenChains {
  /** Every chain (a full plan). */
  readonly full: boolean;
  /** Every top-level chain (a full or a periodic plan). */
  readonly topLevel: boolean;
  /** The dispatch chains written (all of them on a full plan). */
  readonly dispatch: ReadonlySet<DispatchChain>;
}

/** @param renderDispatch false when no dispatch chain is written, so none need be rendered. */
function renderServicePorts(state: DesiredState, context: RenderContext, partial: ChangeSet | undefined, renderDispatch: boolean): ServicePortRendering {
  const dispatch = newDispatchBuffers();
  const counters = {
    countsLocalhostNodePorts: !context.isIPv6 && context.localhostNodePorts && context.node.nfacctCounters.includes(LOCALHOST_NODEPORTS_ACCEPTED_COUNTER),
  };
  const chainBuffers: ChainBuffers = { declarations: new LineBuffer(), rules: new LineBuffer() };
  const ownedServiceChains: string[] = [];
  const rewritten = new Map<ServicePortName, readonly string[]>();
  let endpointCount = 0;
  for (const name of sortedNames(state.servicePorts)) {
    const servicePort = state.servicePorts.get(name)!;
    const policy = decidePortPolicy(servicePort);
    if (renderDispatch) renderServiceDispatch(policy, dispatch, counters);
    const chains = policy.natChains;
    // Indexed: per endpoint, and `for…of` allocates until the JIT optimizes it.
    for (let index = 0; index < chains.length; index++) ownedServiceChains.push(chains[index]!);
    endpointCount += servicePort.endpoints.all.length;
    if (partial === undefined || partial.changed.has(name)) {
      renderServiceChains(policy, context, chainBuffers);
      rewritten.set(name, chains);
    }
  }
  return { dispatch, chains: chainBuffers, ownedServiceChains, rewritten, endpointCount };
}

/** The port names in sorted order. The model already iterates them so: sort only if not. */
function sortedNames(servicePorts: DesiredState['servicePorts']): ServicePortName[] {
  const names = [...servicePorts.keys()];
  for (let index = 1; index < names.length; index++) {
    if (names[index - 1]! > names[index]!) return names.sort();
  }
  return names;
}

interface TableParts {
  readonly buffers: readonly LineBuffer[];
  readonly chains: number;
  readonly rules: number;
}

/** A top-level chain, its rules, and whether this plan writes it. */
interface TopLevelChain {
  readonly name: string;
  readonly rules: LineBuffer;
  readonly written: boolean;
}

function assembleFilter(context: RenderContext, dispatch: DispatchBuffers, written: WrittenChains): TableParts {
  const forward = new LineBuffer();
  renderForwardRules(context, forward);
  const localnet = new LineBuffer();
  renderLocalnetFirewall(context, localnet);
  const byName = new Map<string, TopLevelChain>([
    [KUBE_SERVICES, dispatchChain(KUBE_SERVICES, dispatch, 'filterServices', written)],
    [KUBE_EXTERNAL_SERVICES, dispatchChain(KUBE_EXTERNAL_SERVICES, dispatch, 'filterExternalServices', written)],
    [KUBE_FORWARD, { name: KUBE_FORWARD, rules: forward, written: written.topLevel }],
    [KUBE_NODEPORTS, dispatchChain(KUBE_NODEPORTS, dispatch, 'filterNodePorts', written)],
    [KUBE_PROXY_FIREWALL, dispatchChain(KUBE_PROXY_FIREWALL, dispatch, 'filterProxyFirewall', written)],
    [KUBE_FIREWALL, { name: KUBE_FIREWALL, rules: localnet, written: written.topLevel }],
  ]);
  const chains = filterTopLevelChains(context).map((name) => byName.get(name)!);
  return assembleTopLevel(chains, [], []);
}

function assembleNat(context: RenderContext, rendering: ServicePortRendering, stale: readonly string[], written: WrittenChains): TableParts {
  const services = rendering.dispatch.natServices;
  // Depends on the node context alone: written whenever the rest of KUBE-SERVICES is.
  if (written.dispatch.has('natServices')) renderNodePortsJump(context, services);
  const postrouting = new LineBuffer();
  const markMasq = new LineBuffer();
  renderMasqueradeRules(context, postrouting, markMasq);
  const byName = new Map<string, TopLevelChain>([
    [KUBE_SERVICES, dispatchChain(KUBE_SERVICES, rendering.dispatch, 'natServices', written)],
    [KUBE_NODEPORTS, dispatchChain(KUBE_NODEPORTS, rendering.dispatch, 'natNodePorts', written)],
    [KUBE_POSTROUTING, { name: KUBE_POSTROUTING, rules: postrouting, written: written.topLevel }],
    [KUBE_MARK_MASQ, { name: KUBE_MARK_MASQ, rules: markMasq, written: written.topLevel }],
  ]);
  const chains = natTopLevelChains().map((name) => byName.get(name)!);
  const declarations = new LineBuffer();
  declarations.append(rendering.chains.declarations);
  for (const chain of stale) declarations.writeLine(chainLine(chain));
  const deletions = new LineBuffer();
  for (const chain of stale) deletions.writeLine(`-X ${chain}`);
  const parts = assembleTopLevel(chains, [declarations], [rendering.chains.rules]);
  return {
    buffers: [...parts.buffers, deletions],
    chains: parts.chains + rendering.chains.declarations.lineCount + stale.length,
    rules: parts.rules,
  };
}

function dispatchChain(name: string, dispatch: DispatchBuffers, chain: DispatchChain, written: WrittenChains): TopLevelChain {
  return { name, rules: dispatch[chain], written: written.dispatch.has(chain) };
}

/**
 * The written top-level chains' declarations, then `moreDeclarations`, then their rules grouped
 * by chain in declaration order, then `moreRules`.
 */
function assembleTopLevel(chains: readonly TopLevelChain[], moreDeclarations: readonly LineBuffer[], moreRules: readonly LineBuffer[]): TableParts {
  const writtenChains = chains.filter((chain) => chain.written);
  const declarations = new LineBuffer();
  declareChains(
    writtenChains.map((chain) => chain.name),
    declarations,
  );
  const rules = [...writtenChains.map((chain) => chain.rules), ...moreRules];
  return {
    buffers: [declarations, ...moreDeclarations, ...rules],
    chains: writtenChains.length,
    rules: rules.reduce((sum, buffer) => sum + buffer.lineCount, 0),
  };
}
