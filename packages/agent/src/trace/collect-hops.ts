// The interfaces a probe crossed, from the routes and links of each namespace on its way:
// the source's route, the veth peer in the node namespace (and the bridge it is a port of),
// the node's route to where the packet went after NAT, and the namespace holding that address.
import type { Exec } from '../sys/exec.ts';
import { execInNetns } from '../sys/netns.ts';
import { findAddressHolder, linkedNetns } from './find-netns.ts';
import { describeRoute, linksOfIpLinkJson, routeOfIpRouteGetJson, type LinkInfo, type RouteInfo } from './ip-json.ts';
import type { Hop } from './trace-types.ts';

export interface HopQuery {
  readonly sourceNetns: string;
  readonly nodeNetns: string;
  readonly source: string;
  readonly destination: string;
  /** Where the packet went after DNAT (the endpoint), when conntrack says. */
  readonly natDestination: string | undefined;
  /** Interfaces not to count as an address's holder (kpx's service interface). */
  readonly skipInterfaces: ReadonlySet<string>;
}

const inNetns = (exec: Exec, netns: string): Exec => (netns === '' ? exec : execInNetns(exec, netns));

async function routeGet(exec: Exec, args: readonly string[]): Promise<RouteInfo | undefined> {
  const result = await exec({ file: 'ip', args: ['-j', 'route', 'get', ...args] });
  return result.exitCode === 0 ? routeOfIpRouteGetJson(result.stdout) : undefined;
}

async function links(exec: Exec): Promise<LinkInfo[]> {
  const result = await exec({ file: 'ip', args: ['-j', '-d', 'link', 'show'] });
  return result.exitCode === 0 ? linksOfIpLinkJson(result.stdout) : [];
}

/**
 * The node-side end of the source's veth: the node link whose peer is the source device and
 * that the source device points at, when the device's peer lives in the node namespace (ifindexes
 * are per namespace: another namespace may have the same pair of numbers).
 */
async function vethPeer(exec: Exec, query: HopQuery, device: LinkInfo): Promise<LinkInfo | undefined> {
  if (device.kind !== 'veth' || device.peerIndex === undefined) return undefined;
  const peerNetns = (await linkedNetns(exec, query.sourceNetns)).find((entry) => entry.nsid === device.linkNetnsId);
  if (peerNetns === undefined || (peerNetns.name ?? '') !== query.nodeNetns) return undefined;
  return (await links(inNetns(exec, query.nodeNetns))).find((link) => link.ifindex === device.peerIndex && link.peerIndex === device.ifindex);
}

export async function collectHops(exec: Exec, query: HopQuery): Promise<Hop[]> {
  const hops: Hop[] = [];
  const sourceExec = inNetns(exec, query.sourceNetns);
  const first = await routeGet(sourceExec, [query.destination, 'from', query.source]);
  if (first === undefined) return [{ netns: query.sourceNetns, interface: '', detail: `no route to ${query.destination}` }];
  hops.push({ netns: query.sourceNetns, interface: first.dev, detail: `source ${query.source}, ${describeRoute(first)}` });
  if (first.type === 'local') return hops;
  let ingress = first.dev;
  if (query.sourceNetns !== query.nodeNetns) {
    const device = (await links(sourceExec)).find((link) => link.name === first.dev);
    const peer = device === undefined ? undefined : await vethPeer(exec, query, device);
    if (peer === undefined)
      return [
        ...hops,
        { netns: query.nodeNetns, interface: '', detail: `${first.dev} is not a veth into this node namespace; the path beyond is not followed` },
      ];
    hops.push({
      netns: query.nodeNetns,
      interface: peer.name,
      detail: `veth peer of ${first.dev}${peer.master === undefined ? '' : `, port of bridge ${peer.master}`}`,
    });
    ingress = peer.master ?? peer.name;
    if (peer.master !== undefined) hops.push({ netns: query.nodeNetns, interface: peer.master, detail: 'bridge: the packet enters the node namespace here' });
  }
  const target = query.natDestination ?? query.destination;
  const nodeExec = inNetns(exec, query.nodeNetns);
  const routeArgs = query.sourceNetns === query.nodeNetns ? [target, 'from', query.source] : [target, 'from', query.source, 'iif', ingress];
  const onward = await routeGet(nodeExec, routeArgs);
  const after = query.natDestination === undefined ? '' : ' (after DNAT)';
  if (onward === undefined) return [...hops, { netns: query.nodeNetns, interface: '', detail: `no route to ${target}${after}` }];
  hops.push({ netns: query.nodeNetns, interface: onward.dev, detail: `${describeRoute(onward)}${after}` });
  if (onward.type === 'local') return hops;
  const holder = await findAddressHolder(exec, target, query.skipInterfaces, query.nodeNetns);
  if (holder !== undefined && holder.netns !== query.nodeNetns) hops.push({ netns: holder.netns, interface: holder.interface, detail: `${target} is here` });
  return hops;
}
