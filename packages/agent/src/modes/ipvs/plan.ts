// The IPVS plan: each service port's virtual servers, set entries and addresses, and, for a
// full plan, the iptables part rendered from which sets end up non-empty.
import type { ChangeSet } from '../../diff/change-set.ts';
import type { DesiredState, ServicePortName } from '../../model/types.ts';
import { buildRenderContext } from '../../netfilter/render-context.ts';
import { DesiredIndex } from './desired-index.ts';
import type { IpvsPlan, PortPlan } from './plan-types.ts';
import { renderIpvsIptables } from './render-iptables.ts';
import { nodePortVirtualServerAddresses, renderPort, type PortRenderSettings } from './render-port.ts';

export function planIpvs(state: DesiredState, changed: ChangeSet | undefined, scheduler: string): IpvsPlan {
  const context = buildRenderContext(state);
  const settings: PortRenderSettings = { scheduler, nodePortAddresses: nodePortVirtualServerAddresses(state.node) };
  const partial = changed !== undefined && !changed.full ? changed : undefined;
  const ports = new Map<ServicePortName, PortPlan>();
  const removed: ServicePortName[] = [];
  if (partial === undefined) {
    for (const [name, servicePort] of state.servicePorts) ports.set(name, renderPort(servicePort, state.node, settings));
  } else {
    for (const name of [...new Set([...partial.changed, ...partial.deleted])].sort()) {
      const servicePort = state.servicePorts.get(name);
      if (servicePort === undefined) removed.push(name);
      else ports.set(name, renderPort(servicePort, state.node, settings));
    }
  }
  let iptables: IpvsPlan['iptables'];
  if (partial === undefined) {
    const index = new DesiredIndex();
    for (const [name, portPlan] of ports) index.setPort(name, portPlan);
    iptables = renderIpvsIptables(context, { nonEmptySets: index.nonEmptySets(), noNodeAccess: index.noNodeAccess() });
  }
  let virtualServers = 0;
  let realServers = 0;
  for (const portPlan of ports.values()) {
    virtualServers += portPlan.virtualServers.length;
    for (const virtualServer of portPlan.virtualServers) realServers += virtualServer.realServers.length;
  }
  return {
    full: partial === undefined,
    ipFamily: state.node.ipFamily,
    context,
    ports,
    removed,
    iptables,
    figures: { servicePorts: state.servicePorts.size, portsPlanned: ports.size, portsRemoved: removed.length, virtualServers, realServers },
  };
}
