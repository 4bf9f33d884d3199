// Raw Services, EndpointSlices and Node + ModelConfig → DesiredState + Problems (pure).
// `createStateBuilder` gives the same results but reuses what it parsed and assembled for
// objects that did not change since its previous call.
import { assembleServicePorts } from './assemble-service-ports.ts';
import type { NodeTopology } from './categorize.ts';
import type { ClusterObjects, ModelConfig } from './inputs.ts';
import { makeNodeContext } from './node-context.ts';
import { versionKey } from './object-meta.ts';
import { parseEndpointSlice, type ParsedSlice, type SliceParse } from './parse-endpoint-slice.ts';
import { parseNode, type NodeParse } from './parse-node.ts';
import { parseService, type ParsedService, type ServiceParse } from './parse-service.ts';
import { makeProblem, sortProblems } from './problems.ts';
import { createSweptMap, type SweptMap } from './swept-map.ts';
import type { DesiredState, Problem, ServicePort, ServicePortName } from './types.ts';

export interface BuildResult {
  readonly state: DesiredState;
  readonly problems: readonly Problem[];
}

export type StateBuilder = (objects: ClusterObjects, config: ModelConfig) => BuildResult;

/** The steps a build takes per object; the memoizing builder wraps them in caches. */
interface BuildSteps {
  parseService(raw: unknown): ServiceParse;
  parseSlice(raw: unknown): SliceParse;
  parseNode(raw: unknown): NodeParse;
  assemble(service: ParsedService, slices: readonly ParsedSlice[], node: NodeTopology): readonly ServicePort[];
}

const NO_SLICES: readonly ParsedSlice[] = Object.freeze([]);
const DUPLICATE = 'duplicate object: the first one is used';

function collectServices(raws: readonly unknown[], steps: BuildSteps, problems: Problem[]): Map<string, ParsedService> {
  const services = new Map<string, ParsedService>();
  for (const raw of raws) {
    const parsed = steps.parseService(raw);
    problems.push(...parsed.problems);
    const service = parsed.service;
    if (service === undefined) continue;
    if (services.has(service.key)) {
      problems.push(
        makeProblem(
          'error',
          { kind: 'Service', namespace: service.namespace, name: service.name },
          { field: 'metadata.name', value: service.name, reason: DUPLICATE },
        ),
      );
    } else {
      services.set(service.key, service);
    }
  }
  return services;
}

/** The list of a service's one slice, the same array every build while the (memoized) slice is. */
const onlySlices = new WeakMap<ParsedSlice, readonly ParsedSlice[]>();
function onlySlice(slice: ParsedSlice): readonly ParsedSlice[] {
  let list = onlySlices.get(slice);
  if (list === undefined) onlySlices.set(slice, (list = Object.freeze([slice])));
  return list;
}

function collectSlicesByService(raws: readonly unknown[], steps: BuildSteps, problems: Problem[]): Map<string, readonly ParsedSlice[]> {
  const seen = new Set<string>();
  const byService = new Map<string, readonly ParsedSlice[]>();
  for (const raw of raws) {
    const parsed = steps.parseSlice(raw);
    problems.push(...parsed.problems);
    const slice = parsed.slice;
    if (slice === undefined) continue;
    if (seen.has(slice.key)) {
      const namespace = slice.key.slice(0, slice.key.indexOf('/'));
      problems.push(
        makeProblem('error', { kind: 'EndpointSlice', namespace, name: slice.name }, { field: 'metadata.name', value: slice.name, reason: DUPLICATE }),
      );
      continue;
    }
    seen.add(slice.key);
    const list = byService.get(slice.serviceKey);
    if (list === undefined) byService.set(slice.serviceKey, onlySlice(slice));
    else byService.set(slice.serviceKey, [...list, slice]);
  }
  for (const list of byService.values()) {
    if (list.length > 1) (list as ParsedSlice[]).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return byService;
}

function buildWith(objects: ClusterObjects, config: ModelConfig, steps: BuildSteps): BuildResult {
  const problems: Problem[] = [];
  const services = collectServices(objects.services, steps, problems);
  const slicesByService = collectSlicesByService(objects.endpointSlices, steps, problems);
  const parsedNode = steps.parseNode(objects.node);
  problems.push(...parsedNode.problems);
  const node = makeNodeContext(config, parsedNode.node);
  const topology: NodeTopology = { nodeName: node.nodeName, zone: node.zone };

  const entries: ServicePort[] = [];
  for (const service of services.values()) {
    entries.push(...steps.assemble(service, slicesByService.get(service.key) ?? NO_SLICES, topology));
  }
  entries.sort((a, b) => (a.servicePortName < b.servicePortName ? -1 : a.servicePortName > b.servicePortName ? 1 : 0));
  const servicePorts = new Map<ServicePortName, ServicePort>();
  for (const port of entries) servicePorts.set(port.servicePortName, port);
  return Object.freeze({ state: Object.freeze({ node, servicePorts }), problems: Object.freeze(sortProblems(problems)) });
}

export function buildDesiredState(objects: ClusterObjects, config: ModelConfig): BuildResult {
  return buildWith(objects, config, {
    parseService: (raw) => parseService(raw, config),
    parseSlice: (raw) => parseEndpointSlice(raw, config),
    parseNode: (raw) => parseNode(raw, config),
    assemble: assembleServicePorts,
  });
}

interface AssembledService {
  readonly service: ParsedService;
  readonly slices: readonly ParsedSlice[];
  readonly zone: string | undefined;
  readonly ports: readonly ServicePort[];
}

/** Looks `raw` up by uid+resourceVersion (or identity), computing and recording it when absent. */
function memoize<T>(memo: SweptMap<unknown, T>, raw: unknown, compute: () => T): T {
  const key = versionKey(raw) ?? raw;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const value = compute();
  memo.set(key, value);
  return value;
}

function isSameAssembly(cached: AssembledService | undefined, service: ParsedService, slices: readonly ParsedSlice[], zone: string | undefined): boolean {
  return (
    cached !== undefined &&
    cached.service === service &&
    cached.zone === zone &&
    cached.slices.length === slices.length &&
    cached.slices.every((slice, index) => slice === slices[index])
  );
}

/**
 * A builder for a stream of snapshots: per-object parses are kept by uid+resourceVersion
 * (identity when absent) and a service's ports are reassembled only when it, one of its
 * slices or the node's zone changed. Raw objects must not be mutated after being passed in.
 */
export function createStateBuilder(): StateBuilder {
  let configKey: string | undefined;
  const services = createSweptMap<unknown, ServiceParse>();
  const slices = createSweptMap<unknown, SliceParse>();
  const nodes = createSweptMap<unknown, NodeParse>();
  const assembled = createSweptMap<string, AssembledService>();
  const memos = [services, slices, nodes, assembled];

  return (objects, config) => {
    const nextConfigKey = JSON.stringify([config.ipFamily, config.hostname, config.serviceProxyName]);
    if (nextConfigKey !== configKey) {
      configKey = nextConfigKey;
      for (const memo of memos) memo.clear();
    }
    const result = buildWith(objects, config, {
      parseService: (raw) => memoize(services, raw, () => parseService(raw, config)),
      parseSlice: (raw) => memoize(slices, raw, () => parseEndpointSlice(raw, config)),
      parseNode: (raw) => (raw === undefined ? parseNode(raw, config) : memoize(nodes, raw, () => parseNode(raw, config))),
      assemble: (service, serviceSlices, node) => {
        const cached = assembled.get(service.key);
        if (cached !== undefined && isSameAssembly(cached, service, serviceSlices, node.zone)) return cached.ports;
        const entry = { service, slices: serviceSlices, zone: node.zone, ports: assembleServicePorts(service, serviceSlices, node) };
        assembled.set(service.key, entry);
        return entry.ports;
      },
    });
    for (const memo of memos) memo.sweep();
    return result;
  };
}
