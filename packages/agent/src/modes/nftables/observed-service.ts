// Pure: what of the kernel's table concerns one service port, for `kpx explain`. Which maps to
// read and which keys are the port's (from its addresses, as the plan keys them), the elements
// of `nft -j list map` output, the chains of `nft -t list table` output, and the text.
import type { ServicePort } from '../../model/types.ts';
import {
  ENDPOINT_MAP_KINDS,
  FIREWALL_IPS,
  MARK_MASQ,
  NO_ENDPOINT_NODEPORTS,
  NO_ENDPOINT_SERVICES,
  REJECT_CHAIN,
  SERVICE_IPS,
  SERVICE_NODEPORTS,
  endpointMapName,
  lowerProtocol,
  servicePortChainBase,
} from './names.ts';

/** One map to read, and the key prefixes (`KEY . ` and longer) that are the port's. */
export interface MapRead {
  readonly map: string;
  readonly prefixes: readonly string[];
}

export interface ServiceReads {
  readonly verdictMaps: readonly MapRead[];
  readonly endpointMaps: readonly MapRead[];
}

export interface ListedElement {
  readonly map: string;
  readonly key: string;
  readonly value: string | undefined;
  readonly comment: string | undefined;
  readonly counter: { readonly packets: number; readonly bytes: number } | undefined;
  /** Seconds left of a dynamic set's entry (an affinity client). */
  readonly expires?: number | undefined;
}

export interface ListedChain {
  readonly name: string;
  readonly rules: readonly string[];
}

/** The maps that can hold the port's elements, and its keys in each (`ip . proto . port`, `proto . nodePort`, …). */
export function serviceReads(port: ServicePort): ServiceReads {
  const proto = lowerProtocol(port.protocol);
  const vips = [port.clusterIP, ...port.externalIPs, ...port.loadBalancerVIPs].filter((ip) => ip !== '').map((ip) => ip.toLowerCase());
  const vipKeys = vips.map((ip) => `${ip} . ${proto} . ${port.port}`);
  const nodePortKeys = port.nodePort === 0 ? [] : [`${proto} . ${port.nodePort}`];
  const verdictMaps: MapRead[] = [
    { map: SERVICE_IPS, prefixes: vipKeys },
    { map: NO_ENDPOINT_SERVICES, prefixes: vipKeys },
    { map: SERVICE_NODEPORTS, prefixes: nodePortKeys },
    { map: NO_ENDPOINT_NODEPORTS, prefixes: nodePortKeys },
    {
      map: FIREWALL_IPS,
      prefixes: port.loadBalancerSourceRanges.length === 0 ? [] : port.loadBalancerVIPs.map((ip) => `${ip.toLowerCase()} . ${proto} . ${port.port}`),
    },
  ];
  const endpointPrefixes = (kind: string): string[] =>
    kind.startsWith('nodeport-') ? (port.nodePort === 0 ? [] : [`${port.nodePort} . `]) : vips.map((ip) => `${ip} . ${port.port} . `);
  const endpointMaps = ENDPOINT_MAP_KINDS.map((kind) => ({ map: endpointMapName(kind, proto), prefixes: endpointPrefixes(kind) }));
  return { verdictMaps: verdictMaps.filter((read) => read.prefixes.length > 0), endpointMaps: endpointMaps.filter((read) => read.prefixes.length > 0) };
}

/** An nft JSON expression as nft prints it in text: `10.96.0.1 . tcp . 80`, `goto chain`, `drop`. */
function expressionText(expression: unknown): string {
  if (typeof expression === 'string' || typeof expression === 'number') return String(expression);
  if (expression === null || typeof expression !== 'object') return JSON.stringify(expression);
  const [kind, body] = Object.entries(expression)[0] ?? ['', undefined];
  if (kind === 'concat' && Array.isArray(body)) return body.map(expressionText).join(' . ');
  if ((kind === 'goto' || kind === 'jump') && typeof body === 'object' && body !== null) return `${kind} ${String((body as { target?: unknown }).target)}`;
  if (kind === 'prefix' && typeof body === 'object' && body !== null)
    return `${String((body as { addr?: unknown }).addr)}/${String((body as { len?: unknown }).len)}`;
  if (body === null) return kind;
  return JSON.stringify(expression);
}

/** The elements of `nft -j list map` (or `list set`) output whose key starts with one of `prefixes` (every one without). */
export function elementsFromJson(map: string, json: string, prefixes?: readonly string[]): ListedElement[] {
  const parsed = JSON.parse(json) as { nftables?: unknown[] };
  const out: ListedElement[] = [];
  for (const entry of parsed.nftables ?? []) {
    const set = (entry as { map?: { elem?: unknown[] }; set?: { elem?: unknown[] } }).map ?? (entry as { set?: { elem?: unknown[] } }).set;
    for (const element of set?.elem ?? []) {
      const [rawKey, rawValue] = Array.isArray(element) ? element : [element, undefined];
      const wrapped = typeof rawKey === 'object' && rawKey !== null && 'elem' in rawKey ? (rawKey as { elem: WrappedElement }).elem : undefined;
      const key = expressionText(wrapped === undefined ? rawKey : wrapped.val);
      if (prefixes !== undefined && !prefixes.some((prefix) => key === prefix || key.startsWith(prefix.endsWith(' . ') ? prefix : `${prefix} . `))) continue;
      const value = rawValue === undefined ? undefined : expressionText(rawValue);
      out.push({ map, key, value, comment: wrapped?.comment, counter: wrapped?.counter, expires: wrapped?.expires });
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
}

interface WrappedElement {
  readonly val: unknown;
  readonly comment?: string;
  readonly counter?: { readonly packets: number; readonly bytes: number };
  readonly expires?: number;
}

/** The affinity sets (`@affinity-…`) the chains read or update. */
export function affinitySetsOf(chains: readonly ListedChain[]): string[] {
  const names = chains.flatMap((chain) => chain.rules.flatMap((rule) => [...rule.matchAll(/@(affinity-[A-Za-z0-9_./-]+)/g)].map((match) => match[1]!)));
  return [...new Set(names)];
}

/** Every chain of `nft list table` text output, with its rules. */
export function chainsFromText(text: string): Map<string, ListedChain> {
  const chains = new Map<string, ListedChain>();
  let current: { name: string; rules: string[] } | undefined;
  for (const line of text.split('\n')) {
    const header = /^\tchain (\S+) \{$/.exec(line);
    if (header !== null) current = { name: header[1]!, rules: [] };
    else if (current !== undefined && line === '\t}') {
      chains.set(current.name, current);
      current = undefined;
    } else if (current !== undefined && line.trim() !== '') current.rules.push(line.trim());
  }
  return chains;
}

const NOT_FOLLOWED = new Set([MARK_MASQ, REJECT_CHAIN]);

/**
 * The chains that concern the port: those its verdict elements send packets to, its own chains
 * (named after its hash), and what their rules jump or go to, shared clean-up chains aside.
 */
export function serviceChains(port: ServicePort, verdicts: readonly ListedElement[], chains: ReadonlyMap<string, ListedChain>): ListedChain[] {
  const base = servicePortChainBase(port.servicePortName, port.protocol);
  const pending = [...verdicts.flatMap((element) => targetsOf(element.value ?? '')), ...[...chains.keys()].filter((name) => name.endsWith(`-${base}`))];
  const seen = new Set<string>();
  const out: ListedChain[] = [];
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (seen.has(name) || NOT_FOLLOWED.has(name)) continue;
    seen.add(name);
    const chain = chains.get(name);
    if (chain === undefined) continue;
    out.push(chain);
    for (const rule of chain.rules) pending.push(...targetsOf(rule));
  }
  return out;
}

function targetsOf(text: string): string[] {
  return [...text.matchAll(/\b(?:goto|jump) ([A-Za-z0-9_./-]+)/g)].map((match) => match[1]!);
}

export interface ObservedService {
  readonly table: string;
  readonly verdicts: readonly ListedElement[];
  readonly endpoints: readonly ListedElement[];
  readonly chains: readonly ListedChain[];
  /** The clients ClientIP affinity remembers, from the sets the chains update. */
  readonly affinity: readonly ListedElement[];
  /** Maps the table lacks (none of a kpx table). */
  readonly missingMaps: readonly string[];
}

function elementLine(element: ListedElement): string {
  const counter = element.counter === undefined ? '' : ` counter packets ${element.counter.packets} bytes ${element.counter.bytes}`;
  const comment = element.comment === undefined ? '' : ` comment ${JSON.stringify(element.comment)}`;
  const expires = element.expires === undefined ? '' : ` expires ${element.expires}s`;
  return `  ${element.map}: ${element.key}${comment}${element.value === undefined ? '' : ` : ${element.value}`}${expires}${counter}`;
}

/** `Observed.text` for one port: its verdict map elements, its endpoint map elements, its chains. */
export function formatObservedService(observed: ObservedService): string {
  const none = ['  (none)'];
  const lines = [
    `table ${observed.table}, verdict map elements:`,
    ...(observed.verdicts.length === 0 ? none : observed.verdicts.map(elementLine)),
    'endpoint map elements:',
    ...(observed.endpoints.length === 0 ? none : observed.endpoints.map(elementLine)),
    'chains:',
    ...(observed.chains.length === 0
      ? none
      : observed.chains.flatMap((chain) => [`  chain ${chain.name} {`, ...chain.rules.map((rule) => `    ${rule}`), '  }'])),
    ...(observed.affinity.length === 0 ? [] : ['affinity clients:', ...observed.affinity.map(elementLine)]),
    ...(observed.missingMaps.length === 0 ? [] : [`maps missing from the table: ${observed.missingMaps.join(', ')}`]),
  ];
  return `${lines.join('\n')}\n`;
}
