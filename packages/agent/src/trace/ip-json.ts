// Pure: the few fields kpx trace reads from iproute2's JSON output (`ip -j addr`, `ip -j -d
// link`, `ip -j route get`), tolerant of anything else in it.

export interface InterfaceAddress {
  readonly interface: string;
  readonly address: string;
}

export interface LinkInfo {
  readonly name: string;
  readonly ifindex: number;
  /** The peer's ifindex (veth), in the namespace `linkNetnsId` names when set. */
  readonly peerIndex: number | undefined;
  readonly linkNetnsId: number | undefined;
  /** veth, bridge, dummy… ('' for a plain device). */
  readonly kind: string;
  /** The bridge this link is a port of. */
  readonly master: string | undefined;
}

export interface RouteInfo {
  readonly type: string;
  readonly dst: string;
  readonly gateway: string | undefined;
  readonly dev: string;
  readonly prefsrc: string | undefined;
}

function parseArray(text: string): Record<string, unknown>[] {
  try {
    const data: unknown = JSON.parse(text);
    return Array.isArray(data) ? (data.filter((item) => typeof item === 'object' && item !== null) as Record<string, unknown>[]) : [];
  } catch {
    return [];
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

export function addressesOfIpAddrJson(text: string): InterfaceAddress[] {
  return parseArray(text).flatMap((link) => {
    const infos = Array.isArray(link['addr_info']) ? (link['addr_info'] as Record<string, unknown>[]) : [];
    return infos.flatMap((info) => {
      const address = str(info['local']);
      return address === undefined ? [] : [{ interface: str(link['ifname']) ?? '', address }];
    });
  });
}

export function linksOfIpLinkJson(text: string): LinkInfo[] {
  return parseArray(text).map((link) => {
    const linkinfo = typeof link['linkinfo'] === 'object' && link['linkinfo'] !== null ? (link['linkinfo'] as Record<string, unknown>) : {};
    return {
      name: str(link['ifname']) ?? '',
      ifindex: num(link['ifindex']) ?? 0,
      peerIndex: num(link['link_index']),
      linkNetnsId: num(link['link_netnsid']),
      kind: str(linkinfo['info_kind']) ?? '',
      master: str(link['master']),
    };
  });
}

export function routeOfIpRouteGetJson(text: string): RouteInfo | undefined {
  const [route] = parseArray(text);
  if (route === undefined) return undefined;
  return {
    type: str(route['type']) ?? 'unicast',
    dst: str(route['dst']) ?? '',
    gateway: str(route['gateway']),
    dev: str(route['dev']) ?? '',
    prefsrc: str(route['prefsrc']),
  };
}

export function describeRoute(route: RouteInfo): string {
  if (route.type !== 'unicast') return `${route.type} route to ${route.dst}`;
  return `route to ${route.dst}${route.gateway === undefined ? '' : ` via ${route.gateway}`} dev ${route.dev}`;
}

export interface NetnsId {
  readonly nsid: number;
  /** undefined for a namespace without a name (the host's own, seen from one of its namespaces). */
  readonly name: string | undefined;
}

/** `ip -j netns list-id` output: the namespaces this one has ids for (those its links' peers live in). */
export function netnsIdsOfListIdJson(text: string): NetnsId[] {
  return parseArray(text).flatMap((entry) => {
    const nsid = num(entry['nsid']);
    const name = str(entry['name']);
    return nsid === undefined ? [] : [{ nsid, name: name === '' ? undefined : name }];
  });
}
