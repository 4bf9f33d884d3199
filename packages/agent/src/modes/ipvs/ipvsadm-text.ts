// ipvsadm's text forms, both ways: the service and real-server specs of `ipvsadm-save -n`
// (which `ipvsadm -R` reads back), and the connection counters of `ipvsadm -Ln`.
import type { Protocol } from '../../model/types.ts';
import type { RealServer, VirtualServer } from './plan-types.ts';

const PROTOCOL_FLAGS: Readonly<Record<Protocol, string>> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };
const FLAG_PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([
  ['-t', 'TCP'],
  ['--tcp-service', 'TCP'],
  ['-u', 'UDP'],
  ['--udp-service', 'UDP'],
  ['--sctp-service', 'SCTP'],
]);

/** `10.0.0.1:80`, `[fd00::1]:80`: how ipvsadm -n spells an address and port. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function splitHostPort(text: string): { address: string; port: number } | undefined {
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  if (match === null) return undefined;
  return { address: (match[1] ?? '').toLowerCase(), port: Number(match[2]) };
}

/** The service part of an ipvsadm command line, also the key kpx indexes virtual servers by: `-t 10.0.0.1:80`. */
export function serviceSpec(service: { readonly protocol: Protocol; readonly address: string; readonly port: number }): string {
  return `${PROTOCOL_FLAGS[service.protocol]} ${hostPort(service.address, service.port)}`;
}

/** `-s rr -p 10800 -b mh-port`: the scheduling options, in ipvsadm-save's order. */
export function schedulingOptions(service: VirtualServer): string {
  let text = `-s ${service.scheduler}`;
  if (service.persistentSeconds !== undefined) text += ` -p ${service.persistentSeconds}`;
  if (service.schedulerFlags !== undefined) text += ` -b ${service.schedulerFlags}`;
  return text;
}

export function addServiceLine(service: VirtualServer): string {
  return `-A ${serviceSpec(service)} ${schedulingOptions(service)}`;
}

export function editServiceLine(service: VirtualServer): string {
  return `-E ${serviceSpec(service)} ${schedulingOptions(service)}`;
}

export function deleteServiceLine(service: VirtualServer): string {
  return `-D ${serviceSpec(service)}`;
}

export function realServerLine(operation: '-a' | '-e', service: VirtualServer, real: RealServer): string {
  return `${operation} ${serviceSpec(service)} -r ${hostPort(real.address, real.port)} -m -w ${real.weight}`;
}

export function deleteRealServerLine(service: VirtualServer, real: { readonly address: string; readonly port: number }): string {
  return `-d ${serviceSpec(service)} -r ${hostPort(real.address, real.port)}`;
}

export interface ParsedVirtualServer {
  readonly service: VirtualServer;
  readonly reals: RealServer[];
}

export interface ParsedIpvsadmSave {
  /** Keyed by serviceSpec. */
  readonly virtualServers: Map<string, ParsedVirtualServer>;
  /** Lines kpx could not read (firewall-mark services, unknown options): reported, never touched. */
  readonly skipped: string[];
}

function parseServiceTokens(tokens: readonly string[]): { protocol: Protocol; address: string; port: number; rest: string[] } | undefined {
  const protocol = FLAG_PROTOCOLS.get(tokens[1] ?? '');
  const where = splitHostPort(tokens[2] ?? '');
  if (protocol === undefined || where === undefined) return undefined;
  return { protocol, ...where, rest: tokens.slice(3) };
}

function optionValue(tokens: readonly string[], ...names: string[]): string | undefined {
  for (let index = 0; index < tokens.length; index += 1) {
    if (names.includes(tokens[index] ?? '')) return tokens[index + 1];
  }
  return undefined;
}

/** Pure: `ipvsadm-save -n` output → virtual servers with their real servers. */
export function parseIpvsadmSave(text: string): ParsedIpvsadmSave {
  const virtualServers = new Map<string, ParsedVirtualServer>();
  const skipped: string[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] !== '-A' && tokens[0] !== '-a') continue;
    const parsed = parseServiceTokens(tokens);
    if (parsed === undefined) {
      skipped.push(line);
      continue;
    }
    const key = serviceSpec(parsed);
    if (tokens[0] === '-A') {
      const persistent = optionValue(parsed.rest, '-p', '--persistent');
      virtualServers.set(key, {
        service: {
          protocol: parsed.protocol,
          address: parsed.address,
          port: parsed.port,
          scheduler: optionValue(parsed.rest, '-s', '--scheduler') ?? 'wlc',
          persistentSeconds: persistent === undefined ? undefined : Number(persistent),
          schedulerFlags: optionValue(parsed.rest, '-b', '--sched-flags'),
        },
        reals: [],
      });
      continue;
    }
    const real = splitHostPort(optionValue(parsed.rest, '-r', '--real-server') ?? '');
    const owner = virtualServers.get(key);
    if (real === undefined || owner === undefined) {
      skipped.push(line);
      continue;
    }
    owner.reals.push({ ...real, weight: Number(optionValue(parsed.rest, '-w', '--weight') ?? '1') });
  }
  return { virtualServers, skipped };
}

/** Active plus inactive connections per real server (`address:port` as hostPort), from `ipvsadm -Ln [service]`. */
export function parseConnectionCounts(text: string): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  let current: Map<string, number> | undefined;
  for (const line of text.split('\n')) {
    const service = /^(TCP|UDP|SCTP)\s+(\S+)\s/.exec(line);
    if (service !== null) {
      const where = splitHostPort(service[2] ?? '');
      const protocol = service[1] as Protocol;
      current = where === undefined ? undefined : new Map();
      if (where !== undefined && current !== undefined) counts.set(serviceSpec({ protocol, ...where }), current);
      continue;
    }
    const real = /^\s+->\s+(\S+)\s+\S+\s+\d+\s+(\d+)\s+(\d+)/.exec(line);
    if (real === null || current === undefined) continue;
    const where = splitHostPort(real[1] ?? '');
    if (where !== undefined) current.set(hostPort(where.address, where.port), Number(real[2]) + Number(real[3]));
  }
  return counts;
}
