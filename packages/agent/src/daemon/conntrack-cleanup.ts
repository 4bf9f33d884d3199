// Stale UDP conntrack entries, by reconciliation as upstream's CleanStaleEntries since 1.33
// (pkg/proxy/conntrack/cleanup.go): a UDP flow keeps its old NAT decision until its entry
// goes, so after each sync kpx reads the family's UDP flows and deletes
//  - a flow sent to a service IP (cluster, external or LB IP) of a UDP port with serving
//    endpoints, whose reply source is none of that port's serving endpoints (the endpoint
//    went away, or the flow was never DNATed: it met REJECT while the port had none);
//  - a flow sent to such a port's node port, whose reply source is none of its endpoints;
// and, from the change set (the table cannot tell a deleted service's IP), every flow to
// the cluster IP of a UDP service deleted in this sync. A port without serving endpoints
// is left alone: there is nowhere better to send its flows. Reading the table, not the
// change set, means a flow that survived a failed deletion or a kpx restart still goes.
import { isIP } from 'node:net';
import type { ChangeSet } from '../diff/change-set.ts';
import type { DesiredState, ServicePort } from '../model/types.ts';
import type { ConntrackFlow } from '../sys/conntrack-flows.ts';
import { type ConntrackFilter } from '../sys/conntrack-tool.ts';

const serviceIPs = (port: ServicePort): string[] => [port.clusterIP, ...port.externalIPs, ...port.loadBalancerVIPs].filter((ip) => isIP(ip) !== 0);

interface UDPFrontends {
  /** `ip|port` of each service IP frontend → its serving endpoint IPs. */
  readonly byAddress: Map<string, Set<string>>;
  readonly addresses: Set<string>;
  /** node port → serving endpoint IPs. */
  readonly byNodePort: Map<number, Set<string>>;
}

function udpFrontends(state: DesiredState): UDPFrontends {
  const frontends: UDPFrontends = { byAddress: new Map(), addresses: new Set(), byNodePort: new Map() };
  for (const port of state.servicePorts.values()) {
    if (port.protocol !== 'UDP') continue;
    const endpointIPs = new Set(port.endpoints.all.filter((endpoint) => endpoint.serving).map((endpoint) => endpoint.ip));
    if (endpointIPs.size === 0) continue;
    for (const ip of serviceIPs(port)) {
      frontends.byAddress.set(`${ip}|${port.port}`, endpointIPs);
      frontends.addresses.add(ip);
    }
    if (port.nodePort !== 0) frontends.byNodePort.set(port.nodePort, endpointIPs);
  }
  return frontends;
}

/** Whether any flow could be stale against `state`: a UDP port with serving endpoints (else the table need not be read). */
export function hasUDPFrontends(state: DesiredState): boolean {
  return udpFrontends(state).addresses.size > 0;
}

/** The deletions that `flows` (one family's UDP flows) call for against `state`; pure, deduplicated, in first-seen order. */
export function staleConntrackFilters(state: DesiredState, flows: readonly ConntrackFlow[], changes?: ChangeSet): ConntrackFilter[] {
  const filters = new Map<string, ConntrackFilter>();
  const add = (key: string, filter: ConntrackFilter): void => {
    if (!filters.has(key)) filters.set(key, filter);
  };
  for (const name of changes?.deleted ?? []) {
    const before = changes?.previous.get(name);
    if (before?.protocol === 'UDP' && isIP(before.clusterIP) !== 0 && !state.servicePorts.has(name)) {
      add(`ip ${before.clusterIP}`, { protocol: 'UDP', origDst: before.clusterIP });
    }
  }
  const frontends = udpFrontends(state);
  const portFamily = state.node.ipFamily === 'IPv6' ? { family: 'IPv6' as const } : {};
  for (const flow of flows) {
    if (flow.protocol !== 'UDP') continue;
    if (frontends.addresses.has(flow.origDst)) {
      const endpointIPs = frontends.byAddress.get(`${flow.origDst}|${flow.origDport}`);
      if (endpointIPs?.has(flow.replySrc) !== true) {
        add(`nat ${flow.origDst} ${flow.replySrc}`, { protocol: 'UDP', origDst: flow.origDst, replySrc: flow.replySrc });
      }
    }
    const nodePortEndpoints = frontends.byNodePort.get(flow.origDport);
    if (nodePortEndpoints !== undefined && !nodePortEndpoints.has(flow.replySrc)) {
      add(`port ${flow.origDport} ${flow.replySrc}`, { protocol: 'UDP', dport: flow.origDport, replySrc: flow.replySrc, ...portFamily });
    }
  }
  return [...filters.values()];
}
