// A small interpreter for the iptables rules kpx writes, after upstream's packet-flow tests:
// follow a synthetic packet through the chains and collect every possible outcome.
// `-m statistic` and `-m recent --rcheck` are explored both ways, so a ClusterIP packet
// yields one outcome per endpoint it can reach.
import { cidrContains } from '@kpx/agent/model/cidr-match.ts';
import type { JumpRule } from '@kpx/agent/netfilter/jump-rule.ts';
import { parseRestore, tokenize, type ParsedRule } from './restore-parse.ts';

export interface Packet {
  readonly sourceIP: string;
  readonly destinationIP: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly destinationPort: number;
  readonly inInterface?: string;
  readonly mark?: number;
  /** Conntrack states the packet is in; NEW by default. */
  readonly ctStates?: readonly string[];
}

export interface TraceOptions {
  /** Addresses that `-m addrtype LOCAL` sees as local (the node IPs); loopback always is. */
  readonly localAddresses: readonly string[];
}

interface PacketState {
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly protocol: string;
  readonly inInterface: string | undefined;
  readonly mark: number;
  readonly ctStates: readonly string[];
}

export interface ChainOutcome {
  readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT' | 'DNAT' | 'MASQUERADE' | 'RETURN';
  /** For DNAT: `ip:port` (or `[ip6]:port`). */
  readonly destination?: string;
  readonly mark: number;
}

type Rules = ReadonlyMap<string, readonly ParsedRule[]>;
type Walk = { readonly kind: 'final'; readonly outcome: ChainOutcome; readonly state: PacketState } | { readonly kind: 'return'; readonly state: PacketState };

const MAX_DEPTH = 32;

/** Every outcome of running `packet` through `table`/`chain` of the restore text. */
export function tracePacket(text: string, table: string, chain: string, packet: Packet, options: TraceOptions): ChainOutcome[] {
  const tables = loadTables(text, []);
  return dedupe(runChain(tables.get(table) ?? new Map(), chain, initialState(packet), options, 0).map(toOutcome));
}

/** `DNAT 10.180.0.1:80 mark=0x4000`, `REJECT`, `RETURN`, … */
export function describeOutcome(outcome: ChainOutcome): string {
  const parts: string[] = [outcome.verdict];
  if (outcome.destination !== undefined) parts.push(outcome.destination);
  if (outcome.mark !== 0) parts.push(`mark=0x${outcome.mark.toString(16)}`);
  return parts.join(' ');
}

export interface FlowOutcome {
  readonly verdict: 'DNAT' | 'ACCEPT' | 'DROP' | 'REJECT';
  readonly destination?: string;
  /** Whether KUBE-POSTROUTING masquerades the packet. */
  readonly masquerade: boolean;
}

/**
 * The packet's fate through the kernel's hooks as kube-proxy wires them: nat PREROUTING (or
 * OUTPUT when the node itself sends), then filter FORWARD/INPUT/OUTPUT on the translated
 * packet, then nat POSTROUTING. Built-in chains hold only the plan's jump rules.
 */
export function traceFlow(
  plan: { readonly restoreText: string; readonly jumpRules: readonly JumpRule[] },
  packet: Packet,
  options: TraceOptions,
): FlowOutcome[] {
  const tables = loadTables(plan.restoreText, plan.jumpRules);
  const nat = tables.get('nat') ?? new Map();
  const filter = tables.get('filter') ?? new Map();
  const fromNode = isLocalAddress(packet.sourceIP, options);
  const outcomes: FlowOutcome[] = [];
  for (const natWalk of runChain(nat, fromNode ? 'OUTPUT' : 'PREROUTING', initialState(packet), options, 0)) {
    const dnat = natWalk.kind === 'final' && natWalk.outcome.verdict === 'DNAT' ? natWalk.outcome.destination : undefined;
    const translated = dnat === undefined ? natWalk.state : translate(natWalk.state, dnat);
    const hook = fromNode ? 'OUTPUT' : isLocalAddress(translated.dst, options) ? 'INPUT' : 'FORWARD';
    for (const filterWalk of runChain(filter, hook, translated, options, 0)) {
      const verdict = filterWalk.kind === 'final' ? filterWalk.outcome.verdict : 'ACCEPT';
      if (verdict === 'DROP' || verdict === 'REJECT') {
        outcomes.push({ verdict, masquerade: false });
        continue;
      }
      const masquerade = runChain(nat, 'POSTROUTING', filterWalk.state, options, 0).some(
        (walk) => walk.kind === 'final' && walk.outcome.verdict === 'MASQUERADE',
      );
      outcomes.push(dnat === undefined ? { verdict: 'ACCEPT', masquerade } : { verdict: 'DNAT', destination: dnat, masquerade });
    }
  }
  return dedupe(outcomes);
}

/** `10.180.0.1:80`, `10.180.0.1:80 masq`, `ACCEPT`, `DROP`, `REJECT`. */
export function describeFlow(outcome: FlowOutcome): string {
  const base = outcome.verdict === 'DNAT' ? (outcome.destination ?? '?') : outcome.verdict;
  return outcome.masquerade ? `${base} masq` : base;
}

function loadTables(text: string, jumpRules: readonly JumpRule[]): Map<string, Map<string, ParsedRule[]>> {
  const parsed = parseRestore(text);
  if (parsed.errors.length > 0) throw new Error(`cannot trace invalid restore text: ${parsed.errors.join('; ')}`);
  const tables = new Map<string, Map<string, ParsedRule[]>>();
  for (const table of parsed.tables) {
    const chains = new Map<string, ParsedRule[]>(table.declared.map((chain) => [chain, []]));
    for (const rule of table.rules) chains.get(rule.chain)?.push(rule);
    tables.set(table.name, chains);
  }
  // Jump rules are prepended one after another, so the last one ends up first.
  for (const jump of [...jumpRules].reverse()) {
    const chains = tables.get(jump.table) ?? new Map<string, ParsedRule[]>();
    tables.set(jump.table, chains);
    const rules = chains.get(jump.chain) ?? [];
    chains.set(jump.chain, rules);
    const args = [...tokenize(jump.args.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(' ')), '-j', jump.target];
    const rule: ParsedRule = { chain: jump.chain, args, target: jump.target, isGoto: false, line: 0, text: args.join(' ') };
    if (jump.position === 'prepend') rules.unshift(rule);
    else rules.push(rule);
  }
  return tables;
}

function initialState(packet: Packet): PacketState {
  return {
    src: packet.sourceIP,
    dst: packet.destinationIP,
    dport: packet.destinationPort,
    protocol: packet.protocol.toLowerCase(),
    inInterface: packet.inInterface,
    mark: packet.mark ?? 0,
    ctStates: packet.ctStates ?? ['NEW'],
  };
}

function translate(state: PacketState, destination: string): PacketState {
  const colon = destination.lastIndexOf(':');
  const host = destination.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { ...state, dst: host, dport: Number(destination.slice(colon + 1)), ctStates: [...state.ctStates, 'DNAT'] };
}

function runChain(chains: Rules, chain: string, start: PacketState, options: TraceOptions, depth: number): Walk[] {
  if (depth > MAX_DEPTH) throw new Error(`chain recursion deeper than ${MAX_DEPTH} at ${chain}`);
  const rules = chains.get(chain);
  if (rules === undefined) throw new Error(`jump to unknown chain ${chain}`);
  const walks: Walk[] = [];
  const walk = (from: number, initial: PacketState): void => {
    let state = initial;
    for (let index = from; index < rules.length; index++) {
      const rule = rules[index]!;
      const match = matchRule(rule, state, options);
      if (match === 'no') continue;
      if (match === 'both') walk(index + 1, state);
      const target = rule.target;
      if (target === undefined) continue;
      if (target === 'MARK') {
        state = applyMark(rule, state);
        continue;
      }
      if (target === 'RETURN') {
        walks.push({ kind: 'return', state });
        return;
      }
      if (['ACCEPT', 'DROP', 'REJECT', 'DNAT', 'MASQUERADE'].includes(target)) {
        const destination = target === 'DNAT' ? argAfter(rule.args, '--to-destination') : undefined;
        const outcome = { verdict: target as ChainOutcome['verdict'], mark: state.mark, ...(destination === undefined ? {} : { destination }) };
        walks.push({ kind: 'final', outcome, state });
        return;
      }
      for (const sub of runChain(chains, target, state, options, depth + 1)) {
        if (sub.kind === 'final' || rule.isGoto) walks.push(sub);
        else walk(index + 1, sub.state);
      }
      return;
    }
    walks.push({ kind: 'return', state });
  };
  walk(0, start);
  return walks;
}

function matchRule(rule: ParsedRule, state: PacketState, options: TraceOptions): 'yes' | 'no' | 'both' {
  let result: 'yes' | 'both' = 'yes';
  let negate = false;
  const args = rule.args;
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '!') {
      negate = true;
      continue;
    }
    if (token === '-j' || token === '-g') break;
    const value = args[i + 1] ?? '';
    let matched: boolean | 'both';
    switch (token) {
      case '-m':
      case '--comment':
      case '--mode':
      case '--name':
      case '--seconds':
        i++;
        continue;
      case '--reap':
      case '--set':
        continue;
      case '-p':
        matched = state.protocol === value;
        i++;
        break;
      case '-s':
        matched = cidrContains(value, state.src);
        i++;
        break;
      case '-d':
        matched = cidrContains(value, state.dst);
        i++;
        break;
      case '--dport':
        matched = state.dport === Number(value);
        i++;
        break;
      case '-i':
        matched = matchInterface(value, state.inInterface);
        i++;
        break;
      case '--dst-type':
        matched = value === 'LOCAL' && isLocalAddress(state.dst, options);
        i++;
        break;
      case '--src-type':
        matched = value === 'LOCAL' && isLocalAddress(state.src, options);
        i++;
        break;
      case '--mark':
        matched = matchMark(value, state.mark);
        i++;
        break;
      case '--ctstate':
        matched = value.split(',').some((ct) => state.ctStates.includes(ct));
        i++;
        break;
      case '--probability':
        matched = 'both';
        i++;
        break;
      case '--rcheck':
        matched = 'both';
        break;
      default:
        throw new Error(`trace-packet does not understand ${token} (line ${rule.line})`);
    }
    if (negate && matched !== 'both') matched = !matched;
    negate = false;
    if (matched === false) return 'no';
    if (matched === 'both') result = 'both';
  }
  return result;
}

function applyMark(rule: ParsedRule, state: PacketState): PacketState {
  const or = argAfter(rule.args, '--or-mark');
  if (or !== undefined) return { ...state, mark: (state.mark | Number(or)) >>> 0 };
  const xor = argAfter(rule.args, '--xor-mark');
  if (xor !== undefined) return { ...state, mark: (state.mark ^ Number(xor)) >>> 0 };
  throw new Error(`unsupported MARK rule on line ${rule.line}`);
}

function matchMark(spec: string, mark: number): boolean {
  const [value, mask] = spec.split('/');
  const maskBits = mask === undefined ? 0xffffffff : Number(mask);
  return (mark & maskBits) >>> 0 === Number(value);
}

function matchInterface(spec: string, inInterface: string | undefined): boolean {
  if (inInterface === undefined) return false;
  return spec.endsWith('+') ? inInterface.startsWith(spec.slice(0, -1)) : inInterface === spec;
}

function isLocalAddress(ip: string, options: TraceOptions): boolean {
  return cidrContains('127.0.0.0/8', ip) || ip === '::1' || options.localAddresses.includes(ip);
}

function argAfter(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

function toOutcome(walk: Walk): ChainOutcome {
  return walk.kind === 'final' ? walk.outcome : { verdict: 'RETURN', mark: walk.state.mark };
}

function dedupe<T>(items: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(JSON.stringify(item), item);
  return [...seen.values()];
}
