// One raw Service → the service-level facts every one of its ServicePorts shares, or
// nothing (skipped silently as upstream does, or rejected with Problems).
import { readNumber, readRecord, readString, type FieldError } from './field-reader.ts';
import type { ModelConfig, RawObject } from './inputs.ts';
import { isSelectedByProxy } from './labels.ts';
import { readObjectMeta } from './object-meta.ts';
import { errorProblems, makeProblem, noClusterIPOfFamilyReason, type ObjectRef } from './problems.ts';
import { readServiceAddresses } from './service-addresses.ts';
import { selectClusterIP } from './service-cluster-ip.ts';
import { readServiceSpecPorts, type ServiceSpecPort } from './service-spec-ports.ts';
import type { Problem, SessionAffinity } from './types.ts';
import { isIntegerInRange, isValidPortNumber } from './validate/port.ts';

export interface ParsedService {
  /** `namespace/name`, the key EndpointSlices join on. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly clusterIP: string;
  readonly ports: readonly ServiceSpecPort[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly healthCheckNodePort: number;
  readonly sessionAffinity: SessionAffinity;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
}

export interface ServiceParse {
  readonly service: ParsedService | undefined;
  readonly problems: readonly Problem[];
}

export type ServiceParseConfig = Pick<ModelConfig, 'ipFamily' | 'serviceProxyName'>;

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const AFFINITIES = ['None', 'ClientIP'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
const MAX_AFFINITY_TIMEOUT_SECONDS = 86400;
const NO_AFFINITY: SessionAffinity = Object.freeze({ type: 'None' });

function readEnum(spec: RawObject | undefined, key: string, allowed: readonly string[], fallback: string, errors: FieldError[]): string {
  const value = readString(spec, key, 'spec', errors) ?? fallback;
  if (allowed.includes(value)) return value;
  errors.push({ field: `spec.${key}`, value, reason: `must be one of ${allowed.join(', ')}` });
  return fallback;
}

function readSessionAffinity(spec: RawObject | undefined, errors: FieldError[]): SessionAffinity {
  if (readEnum(spec, 'sessionAffinity', AFFINITIES, 'None', errors) === 'None') return NO_AFFINITY;
  const config = readRecord(spec, 'sessionAffinityConfig', 'spec', errors);
  const clientIP = readRecord(config, 'clientIP', 'spec.sessionAffinityConfig', errors);
  const timeout = clientIP?.['timeoutSeconds'] ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  if (!isIntegerInRange(timeout, 1, MAX_AFFINITY_TIMEOUT_SECONDS)) {
    errors.push({ field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', value: timeout, reason: 'must be an integer between 1 and 86400' });
    return NO_AFFINITY;
  }
  return Object.freeze({ type: 'ClientIP', timeoutSeconds: timeout });
}

function readHealthCheckNodePort(spec: RawObject | undefined, errors: FieldError[]): number {
  const port = readNumber(spec, 'healthCheckNodePort', 'spec', errors) ?? 0;
  if (port === 0 || isValidPortNumber(port)) return port;
  errors.push({ field: 'spec.healthCheckNodePort', value: port, reason: 'must be an integer between 1 and 65535' });
  return 0;
}

const SKIPPED_SILENTLY: ServiceParse = Object.freeze({ service: undefined, problems: Object.freeze([]) });

function rejected(ref: ObjectRef, errors: readonly FieldError[]): ServiceParse {
  return { service: undefined, problems: errorProblems(ref, errors) };
}

export function parseService(raw: unknown, config: ServiceParseConfig): ServiceParse {
  const errors: FieldError[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return rejected({ kind: 'Service', namespace: '', name: '' }, [{ field: '', value: raw, reason: 'must be an object' }]);
  }
  const object = raw as RawObject;
  const { ref, labels } = readObjectMeta(object, { kind: 'Service', namespaced: true, nameIsLabel: true }, errors);
  if (errors.length > 0) return rejected(ref, errors);
  if (!isSelectedByProxy(labels, config.serviceProxyName)) return SKIPPED_SILENTLY;

  const spec = readRecord(object, 'spec', '', errors);
  const type = readEnum(spec, 'type', SERVICE_TYPES, 'ClusterIP', errors);
  if (type === 'ExternalName' && errors.length === 0) return SKIPPED_SILENTLY;
  const legacyClusterIPs: FieldError[] = [];
  const selection = selectClusterIP(spec, config.ipFamily, errors, legacyClusterIPs);
  if (selection.kind === 'headless' && errors.length === 0) return SKIPPED_SILENTLY;

  const ports = readServiceSpecPorts(spec, errors);
  const addresses = readServiceAddresses(spec, readRecord(object, 'status', '', errors), config.ipFamily, errors);
  const sessionAffinity = readSessionAffinity(spec, errors);
  const externalPolicy = readEnum(spec, 'externalTrafficPolicy', TRAFFIC_POLICIES, 'Cluster', errors);
  const internalPolicy = readEnum(spec, 'internalTrafficPolicy', TRAFFIC_POLICIES, 'Cluster', errors);
  const healthCheckNodePort = readHealthCheckNodePort(spec, errors);
  if (errors.length > 0) return rejected(ref, errors);

  if (selection.kind !== 'selected' || selection.clusterIP === undefined) {
    const reason = selection.kind === 'unset' ? 'service has no cluster IP yet' : noClusterIPOfFamilyReason(config.ipFamily);
    const problem = makeProblem('ignored', ref, { field: 'spec.clusterIPs', value: spec?.['clusterIPs'] ?? spec?.['clusterIP'], reason });
    return { service: undefined, problems: [problem] };
  }
  const otherFamily = selection.otherFamily ?? addresses.otherFamily;
  // Upstream's ExternallyAccessible(service) / ExternalPolicyLocal / NeedsHealthCheck.
  const rawExternalIPs = spec?.['externalIPs'];
  const isExternallyAccessible =
    type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(rawExternalIPs) && rawExternalIPs.length > 0);
  const externalPolicyLocal = isExternallyAccessible && externalPolicy === 'Local';
  const service: ParsedService = Object.freeze({
    key: `${ref.namespace}/${ref.name}`,
    namespace: ref.namespace,
    name: ref.name,
    clusterIP: selection.clusterIP,
    ports: Object.freeze(ports),
    externalIPs: Object.freeze(addresses.externalIPs),
    loadBalancerVIPs: Object.freeze(addresses.loadBalancerVIPs),
    loadBalancerSourceRanges: Object.freeze(addresses.loadBalancerSourceRanges),
    healthCheckNodePort: type === 'LoadBalancer' && externalPolicyLocal ? healthCheckNodePort : 0,
    sessionAffinity,
    externalPolicyLocal,
    internalPolicyLocal: internalPolicy === 'Local',
  });
  const warnings = [...legacyClusterIPs, ...addresses.legacy].map((warning) => makeProblem('warning', ref, warning));
  return { service, problems: otherFamily === undefined ? warnings : [makeProblem('ignored', ref, otherFamily), ...warnings] };
}
