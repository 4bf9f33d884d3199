// The iptables plan: composes the render steps into one iptables-restore payload for the
// filter and nat tables, plus the jump rules and the chain inventory the dataplane needs.
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState, ServicePortName } from '../../model/types.ts';
import type { IptablesPlan } from './plan-types.ts';
import { chainLine, joinTables, LineBuffer } from './restore-text.ts';
import { buildRenderContext, type RenderContext } from './render-context.ts';
import {
  declareChains,
  filterTopLevelChains,
  natTopLevelChains,
  renderForwardRules,
  renderLocalnetFirewall,
  renderMasqueradeRules,
} from './render-base-chains.ts';
import { renderServiceDispatch, type DispatchBuffers } from './render-service-dispatch.ts';
import { renderServiceChains, type ChainBuffers } from './render-service-chains.ts';
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

/** Without `changed` (or with a full ChangeSet), every kpx chain is rewritten. */
export function planIptables(state: DesiredState, changed?: ChangeSet): IptablesPlan {
  const context = buildRenderContext(state);
  const partial = changed !== undefined && !changed.full ? changed : undefined;
  const rendering = renderServicePorts(state, context, partial);
  const stale = partial === undefined ? [] : findStaleChains(partial, rendering.rewritten);
  const filter = assembleFilter(context, rendering.dispatch);
  const nat = assembleNat(context, rendering, stale);
  let chainsWritten = 0;
  for (const chains of rendering.rewritten.values()) chainsWritten += chains.length;
  return {
    full: partial === undefined,
    ipFamily: state.node.ipFamily,
    restoreText: joinTables([
      { table: 'filter', buffers: filter.buffers },
      { table: 'nat', buffers: nat.buffers },
    ]),
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

function renderServicePorts(state: DesiredState, context: RenderContext, partial: ChangeSet | undefined): ServicePortRendering {
  const dispatch: DispatchBuffers = {
    natServices: new LineBuffer(),
    natNodePorts: new LineBuffer(),
    filterServices: new LineBuffer(),
    filterExternalServices: new LineBuffer(),
    filterNodePorts: new LineBuffer(),
    filterProxyFirewall: new LineBuffer(),
  };
  const chainBuffers: ChainBuffers = { declarations: new LineBuffer(), rules: new LineBuffer() };
  const ownedServiceChains: string[] = [];
  const rewritten = new Map<ServicePortName, readonly string[]>();
  let endpointCount = 0;
  for (const name of sortedNames(state.servicePorts)) {
    const servicePort = state.servicePorts.get(name)!;
    const policy = decidePortPolicy(servicePort);
    renderServiceDispatch(policy, dispatch);
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

function assembleFilter(context: RenderContext, dispatch: DispatchBuffers): TableParts {
  const declarations = new LineBuffer();
  const chains = filterTopLevelChains(context);
  declareChains(chains, declarations);
  const forward = new LineBuffer();
  renderForwardRules(context, forward);
  const localnet = new LineBuffer();
  renderLocalnetFirewall(context, localnet);
  // Rules grouped by chain, in declaration order.
  const rules = [
    dispatch.filterServices,
    dispatch.filterExternalServices,
    forward,
    dispatch.filterNodePorts,
    dispatch.filterProxyFirewall,
    localnet,
  ];
  return {
    buffers: [declarations, ...rules],
    chains: chains.length,
    rules: rules.reduce((sum, buffer) => sum + buffer.lineCount, 0),
  };
}

function assembleNat(context: RenderContext, rendering: ServicePortRendering, stale: readonly string[]): TableParts {
  const declarations = new LineBuffer();
  declareChains(natTopLevelChains(), declarations);
  declarations.append(rendering.chains.declarations);
  for (const chain of stale) declarations.writeLine(chainLine(chain));
  const services = rendering.dispatch.natServices;
  renderNodePortsJump(context, services);
  const postrouting = new LineBuffer();
  const markMasq = new LineBuffer();
  renderMasqueradeRules(context, postrouting, markMasq);
  const deletions = new LineBuffer();
  for (const chain of stale) deletions.writeLine(`-X ${chain}`);
  const rules = [services, rendering.dispatch.natNodePorts, postrouting, markMasq, rendering.chains.rules];
  return {
    buffers: [declarations, ...rules, deletions],
    chains: declarations.lineCount,
    rules: rules.reduce((sum, buffer) => sum + buffer.lineCount, 0),
  };
}
