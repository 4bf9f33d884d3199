// The Endpoint objects one slice port contributes: one per endpoint address, deduplicated
// as endpointslicecache does, sorted by `endpoint` string.
import type { SliceEndpoint } from './slice-endpoints.ts';
import type { Endpoint, Protocol } from './types.ts';

export interface SlicePortEndpoints {
  /** The slice port's name: how a Service port (and a named targetPort) finds its endpoints. */
  readonly portName: string;
  readonly protocol: Protocol;
  /** Deduplicated, sorted by `endpoint`, frozen. */
  readonly endpoints: readonly Endpoint[];
  /** `hints.forNodes` of the endpoints that have any (PreferSameNode). */
  readonly nodeHints: ReadonlyMap<Endpoint, readonly string[]>;
}

const NO_NODE_HINTS: ReadonlyMap<Endpoint, readonly string[]> = new Map();

/** Upstream's Endpoint.String(): `ip:port`, `[ip]:port` for IPv6. */
export function endpointString(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}

function isSorted(endpoints: readonly Endpoint[]): boolean {
  for (let index = 1; index < endpoints.length; index++) {
    if (compareEndpoints(endpoints[index - 1]!, endpoints[index]!) > 0) return false;
  }
  return true;
}

/**
 * Sorts by `endpoint` and keeps one Endpoint per `ip:port`: a later non-terminating one
 * replaces an earlier one (a reused pod IP: prefer the running pod), as upstream's
 * addEndpoints. The sort is stable, so duplicates keep their input order.
 */
export function sortDeduplicated(endpoints: Endpoint[]): Endpoint[] {
  // Slices often list their endpoints in order already; checking is cheaper than sorting.
  if (!isSorted(endpoints)) endpoints.sort(compareEndpoints);
  let write = 0;
  for (let read = 0; read < endpoints.length; read++) {
    const endpoint = endpoints[read] as Endpoint;
    const kept = write > 0 ? endpoints[write - 1] : undefined;
    if (kept === undefined || kept.endpoint !== endpoint.endpoint) endpoints[write++] = endpoint;
    else if (!endpoint.terminating) endpoints[write - 1] = endpoint;
  }
  endpoints.length = write;
  return endpoints;
}

export function makeSlicePortEndpoints(
  port: { readonly name: string; readonly protocol: Protocol; readonly port: number },
  endpoints: readonly SliceEndpoint[],
  hostname: string,
): SlicePortEndpoints {
  const list: Endpoint[] = [];
  let nodeHints: Map<Endpoint, readonly string[]> | undefined;
  // Indexed: per endpoint, and a cold `for…of` allocates an iterator result per element.
  for (let index = 0; index < endpoints.length; index++) {
    const source = endpoints[index]!;
    const ip = source.ip;
    const endpoint: Endpoint = Object.freeze({
      ip,
      port: port.port,
      endpoint: endpointString(ip, port.port),
      isLocal: hostname !== '' && source.nodeName === hostname,
      ready: source.ready,
      serving: source.serving,
      terminating: source.terminating,
      nodeName: source.nodeName,
      zone: source.zone,
      zoneHints: source.zoneHints,
    });
    list.push(endpoint);
    if (source.nodeHints.length > 0) (nodeHints ??= new Map()).set(endpoint, source.nodeHints);
  }
  return Object.freeze({
    portName: port.name,
    protocol: port.protocol,
    endpoints: Object.freeze(sortDeduplicated(list)),
    nodeHints: nodeHints ?? NO_NODE_HINTS,
  });
}
