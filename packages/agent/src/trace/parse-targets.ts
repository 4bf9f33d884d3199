// Pure: what --from and --to name. --from: a pod `NAMESPACE/NAME` or an IP. --to: a Service
// `NAMESPACE/NAME:PORT` (a port number or name), or `IP:PORT` (`[IPv6]:PORT`).
import { isParsedIP, parseIP } from '../model/validate/ip.ts';

const NAME = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const OBJECT_REF = new RegExp(`^(${NAME})/(${NAME})$`);
const SERVICE_REF = new RegExp(`^(${NAME})/(${NAME}):([a-z0-9-]+)$`);

export type FromTarget = { readonly kind: 'ip'; readonly ip: string } | { readonly kind: 'pod'; readonly namespace: string; readonly name: string };
export type ToTarget =
  | { readonly kind: 'ip'; readonly ip: string; readonly port: number }
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string; readonly port: string };

const isIP = (text: string): boolean => isParsedIP(parseIP(text));

function parsePortNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function parseFrom(text: string): FromTarget | string {
  if (isIP(text)) return { kind: 'ip', ip: text };
  const ref = OBJECT_REF.exec(text);
  if (ref !== null) return { kind: 'pod', namespace: ref[1] ?? '', name: ref[3] ?? '' };
  return `--from: ${JSON.stringify(text)} is neither a pod NAMESPACE/NAME nor an IP address`;
}

export function parseTo(text: string): ToTarget | string {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const v4 = /^([0-9.]+):(\d+)$/.exec(text);
  const address = v6 ?? v4;
  if (address !== null) {
    const port = parsePortNumber(address[2] ?? '');
    if (!isIP(address[1] ?? '') || port === undefined) return `--to: ${JSON.stringify(text)} is not IP:PORT`;
    return { kind: 'ip', ip: address[1] ?? '', port };
  }
  const ref = SERVICE_REF.exec(text);
  if (ref !== null) return { kind: 'service', namespace: ref[1] ?? '', name: ref[3] ?? '', port: ref[5] ?? '' };
  return `--to: ${JSON.stringify(text)} is neither a service NAMESPACE/NAME:PORT nor IP:PORT`;
}

export interface ServicePortChoice {
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: string;
  readonly portName: string;
}

/** The Service's ClusterIP and the port named by number or name, or why there is none. */
export function chooseServicePort(service: Record<string, unknown>, wanted: string): ServicePortChoice | string {
  const spec = (typeof service['spec'] === 'object' && service['spec'] !== null ? service['spec'] : {}) as Record<string, unknown>;
  const clusterIP = typeof spec['clusterIP'] === 'string' ? spec['clusterIP'] : '';
  if (!isIP(clusterIP)) return `the service has no ClusterIP (${JSON.stringify(clusterIP)})`;
  const ports = Array.isArray(spec['ports']) ? (spec['ports'] as Record<string, unknown>[]) : [];
  const number = parsePortNumber(wanted);
  const port = ports.find((candidate) => (number === undefined ? candidate['name'] === wanted : candidate['port'] === number));
  if (port === undefined || typeof port['port'] !== 'number') return `the service has no port ${wanted}`;
  return {
    clusterIP,
    port: port['port'],
    protocol: typeof port['protocol'] === 'string' ? port['protocol'] : 'TCP',
    portName: typeof port['name'] === 'string' ? port['name'] : '',
  };
}

/** A pod's IP from an EndpointSlice that names it in a targetRef. */
export function podIPFromSlices(slices: readonly Record<string, unknown>[], name: string): string | undefined {
  for (const slice of slices) {
    const endpoints = Array.isArray(slice['endpoints']) ? (slice['endpoints'] as Record<string, unknown>[]) : [];
    for (const endpoint of endpoints) {
      const ref = endpoint['targetRef'] as Record<string, unknown> | undefined;
      const addresses = endpoint['addresses'];
      if (ref?.['kind'] === 'Pod' && ref['name'] === name && Array.isArray(addresses) && typeof addresses[0] === 'string') return addresses[0];
    }
  }
  return undefined;
}
