// Pure: one line of `conntrack -L -o extended` (or of `conntrack -E -o extended`, which starts
// with `[NEW]`, `[UPDATE]` or `[DESTROY]`) as data: the original and reply tuples, and what
// NAT did to the flow, read from how the reply tuple differs from the original.

export interface Tuple {
  readonly src: string;
  readonly dst: string;
  /** 0 when the protocol has no ports. */
  readonly sport: number;
  readonly dport: number;
}

export interface ConntrackEntry {
  /** NEW, UPDATE, DESTROY for an event; '' for a listed entry. */
  readonly event: string;
  readonly protocol: string;
  /** TCP state (SYN_SENT, ESTABLISHED, TIME_WAIT…); '' for UDP. */
  readonly state: string;
  readonly original: Tuple;
  readonly reply: Tuple;
  /** ASSURED, UNREPLIED… */
  readonly flags: readonly string[];
  /** `ip:port` the flow was DNATed to, when the reply comes from elsewhere than the original destination. */
  readonly dnatTo: string | undefined;
  /** `ip:port` the flow was SNATed (masqueraded) to, when the reply goes elsewhere than the original source. */
  readonly snatTo: string | undefined;
}

const FAMILY = /^(ipv4|ipv6)$/;

function hostPort(ip: string, port: number): string {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return port === 0 ? host : `${host}:${port}`;
}

function readTuple(pairs: readonly (readonly [string, string])[], from: number): Tuple | undefined {
  const fields = new Map<string, string>();
  for (const [key, value] of pairs.slice(from)) {
    if (fields.has(key)) break;
    fields.set(key, value);
  }
  const src = fields.get('src');
  const dst = fields.get('dst');
  if (src === undefined || dst === undefined) return undefined;
  return { src, dst, sport: Number(fields.get('sport') ?? 0), dport: Number(fields.get('dport') ?? 0) };
}

/** The entry on `line`, or undefined for a line that is not one (a summary, an error). */
export function parseConntrackLine(line: string): ConntrackEntry | undefined {
  const words = line.trim().split(/\s+/);
  let index = 0;
  let event = '';
  const eventMatch = /^\[([A-Z]+)\]$/.exec(words[0] ?? '');
  if (eventMatch !== null) {
    event = eventMatch[1] ?? '';
    index = 1;
  }
  if (!FAMILY.test(words[index] ?? '')) return undefined;
  const protocol = words[index + 2] ?? '';
  index += 4;
  if (/^\d+$/.test(words[index] ?? '')) index += 1; // the timeout, absent in DESTROY events
  const state = /^[A-Z_]+$/.test(words[index] ?? '') ? (words[index++] ?? '') : '';
  const flags: string[] = [];
  const pairs: [string, string][] = [];
  for (const word of words.slice(index)) {
    const flag = /^\[([A-Z_]+)\]$/.exec(word);
    if (flag !== null) flags.push(flag[1] ?? '');
    const pair = /^([a-z_-]+)=(.*)$/.exec(word);
    if (pair !== null) pairs.push([pair[1] ?? '', pair[2] ?? '']);
  }
  const original = readTuple(pairs, 0);
  const secondSrc = pairs.findIndex(([key], at) => key === 'src' && at > 0);
  const reply = secondSrc === -1 ? undefined : readTuple(pairs, secondSrc);
  if (original === undefined || reply === undefined) return undefined;
  const isDnat = reply.src !== original.dst || reply.sport !== original.dport;
  const isSnat = reply.dst !== original.src || reply.dport !== original.sport;
  return {
    event,
    protocol,
    state,
    original,
    reply,
    flags,
    dnatTo: isDnat ? hostPort(reply.src, reply.sport) : undefined,
    snatTo: isSnat ? hostPort(reply.dst, reply.dport) : undefined,
  };
}

/** Every entry in conntrack's output, in order. */
export function parseConntrackOutput(text: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseConntrackLine(line);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

export function formatTuple(tuple: Tuple): string {
  return `${hostPort(tuple.src, tuple.sport)} -> ${hostPort(tuple.dst, tuple.dport)}`;
}
