// Stale UDP conntrack entries after a sync, as upstream's CleanStaleEntries did before the
// netlink reconciler (pkg/proxy/conntrack/cleanup.go with proxy/endpointschangetracker.go's
// detectStaleConntrackEntries): a UDP flow keeps its old NAT decision until its entry goes,
// so after rules change kpx deletes
//  - every entry to a deleted UDP service's cluster IP;
//  - for a UDP port that went from no serving endpoint to some ("newly active"), every entry
//    to its cluster IP, external IPs, LB IPs and node port (they were DNATed nowhere / REJECTed);
//  - for each serving endpoint that went away (or stopped serving), the entries to the port's
//    service IPs and node port that were DNATed to that endpoint's IP.
import { isIP } from 'node:net';
import type { ChangeSet } from '../diff/change-set.ts';
import type { DesiredState, Endpoint, ServicePort } from '../model/types.ts';
import { deleteConntrackEntries, type ConntrackFilter } from '../sys/conntrack-tool.ts';
import type { Exec } from '../sys/exec.ts';

const servingEndpoints = (port: ServicePort | undefined): readonly Endpoint[] => port?.endpoints.all.filter((endpoint) => endpoint.serving) ?? [];

const serviceIPs = (port: ServicePort): string[] => [port.clusterIP, ...port.externalIPs, ...port.loadBalancerVIPs].filter((ip) => isIP(ip) !== 0);

/** The deletions a sync from `previous` (via `changes`) to `next` calls for; pure, deduplicated, in a stable order. */
export function staleConntrackFilters(changes: ChangeSet, next: DesiredState): ConntrackFilter[] {
  const filters = new Map<string, ConntrackFilter>();
  // A node-port filter names no address: it says its family (`conntrack -f ipv6`).
  const portFamily = next.node.ipFamily === 'IPv6' ? { family: 'IPv6' as const } : {};
  const add = (filter: ConntrackFilter): void => {
    filters.set(JSON.stringify([filter.protocol, filter.origDst ?? '', filter.dport ?? 0, filter.replySrc ?? '']), filter);
  };
  for (const name of changes.deleted) {
    const before = changes.previous.get(name);
    if (before?.protocol === 'UDP' && isIP(before.clusterIP) !== 0) add({ protocol: 'UDP', origDst: before.clusterIP });
  }
  for (const name of changes.changed) {
    const now = next.servicePorts.get(name);
    if (now === undefined || now.protocol !== 'UDP') continue;
    const before = changes.previous.get(name);
    const servingBefore = servingEndpoints(before);
    const servingNow = servingEndpoints(now);
    if (servingBefore.length === 0 && servingNow.length > 0) {
      for (const ip of serviceIPs(now)) add({ protocol: 'UDP', origDst: ip });
      if (now.nodePort !== 0) add({ protocol: 'UDP', dport: now.nodePort, ...portFamily });
    }
    const stillServing = new Set(servingNow.map((endpoint) => endpoint.endpoint));
    for (const endpoint of servingBefore) {
      if (stillServing.has(endpoint.endpoint)) continue;
      if (now.nodePort !== 0) add({ protocol: 'UDP', dport: now.nodePort, replySrc: endpoint.ip });
      for (const ip of serviceIPs(now)) add({ protocol: 'UDP', origDst: ip, replySrc: endpoint.ip });
    }
  }
  return [...filters.values()];
}

export interface ConntrackCleanupReport {
  readonly filters: number;
  readonly deletedEntries: number;
  /** Filters whose deletion failed: logged, never fatal to the sync (as upstream). */
  readonly failures: readonly { readonly filter: ConntrackFilter; readonly error: unknown }[];
}

/** Runs every deletion; one failure does not stop the others. */
export async function clearStaleConntrackEntries(exec: Exec, filters: readonly ConntrackFilter[]): Promise<ConntrackCleanupReport> {
  let deletedEntries = 0;
  const failures: { filter: ConntrackFilter; error: unknown }[] = [];
  for (const filter of filters) {
    try {
      deletedEntries += await deleteConntrackEntries(exec, filter);
    } catch (error) {
      failures.push({ filter, error });
    }
  }
  return { filters: filters.length, deletedEntries, failures };
}
