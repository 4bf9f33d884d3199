// Mirrors upstream's TestCategorizeEndpoints (pkg/proxy/topology_test.go), with hints always
// honoured as in current kube-proxy (no hints annotation) and PreferSameNode node hints.
import { describe, expect, it } from 'vitest';
import { categorizeEndpoints, type PortTrafficPolicy } from './categorize.ts';
import type { Endpoint } from './types.ts';

interface EndpointSpec {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  isLocal?: boolean;
  zoneHints?: string[];
  nodeHints?: string[];
}

// Go zero values, as upstream's BaseEndpointInfo literals.
function endpoint(address: string, spec: EndpointSpec = {}): Endpoint {
  const [ip = '', port = '0'] = address.split(':');
  return {
    ip,
    port: Number(port),
    endpoint: address,
    isLocal: spec.isLocal ?? false,
    ready: spec.ready ?? false,
    serving: spec.serving ?? false,
    terminating: spec.terminating ?? false,
    nodeName: undefined,
    zone: undefined,
    zoneHints: spec.zoneHints ?? [],
  };
}

const CLUSTER_ONLY: PortTrafficPolicy = { internalPolicyLocal: false, externalPolicyLocal: false, externallyAccessible: false };
const ETP_LOCAL: PortTrafficPolicy = { internalPolicyLocal: false, externalPolicyLocal: true, externallyAccessible: true };
const ITP_LOCAL_EXTERNAL: PortTrafficPolicy = { internalPolicyLocal: true, externalPolicyLocal: false, externallyAccessible: true };
const ITP_LOCAL_ONLY: PortTrafficPolicy = { internalPolicyLocal: true, externalPolicyLocal: false, externallyAccessible: false };
const BOTH_LOCAL: PortTrafficPolicy = { internalPolicyLocal: true, externalPolicyLocal: true, externallyAccessible: true };
const ETP_LOCAL_NOT_EXTERNAL: PortTrafficPolicy = { internalPolicyLocal: false, externalPolicyLocal: true, externallyAccessible: false };

const zoned = (zone: string, spec: EndpointSpec = {}): EndpointSpec => ({ ready: true, zoneHints: [zone], ...spec });
const FOUR_ZONED = [
  ['10.1.2.3:80', zoned('zone-a')],
  ['10.1.2.4:80', zoned('zone-b')],
  ['10.1.2.5:80', zoned('zone-c')],
  ['10.1.2.6:80', zoned('zone-a')],
] as const;

interface Case {
  name: string;
  zone?: string;
  policy: PortTrafficPolicy;
  endpoints: readonly (readonly [string, EndpointSpec])[];
  cluster: string[];
  local: string[];
  /** Defaults to whichever of cluster/local the policy uses (both: their union). */
  allReachable?: string[];
  hasAnyEndpoints?: boolean;
}

const cases: Case[] = [
  {
    name: 'hints for the node zone: only same-zone endpoints',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: FOUR_ZONED,
    cluster: ['10.1.2.3:80', '10.1.2.6:80'],
    local: [],
  },
  {
    name: 'externalTrafficPolicy: Local, topology ignored for Local endpoints',
    zone: 'zone-a',
    policy: ETP_LOCAL,
    endpoints: [
      ['10.1.2.3:80', zoned('zone-a', { isLocal: true })],
      ['10.1.2.4:80', zoned('zone-b', { isLocal: true })],
      ['10.1.2.5:80', zoned('zone-c')],
      ['10.1.2.6:80', zoned('zone-a')],
    ],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'],
    local: ['10.1.2.3:80', '10.1.2.4:80'],
    allReachable: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
  },
  {
    name: 'internalTrafficPolicy: Local, topology ignored for Local endpoints',
    zone: 'zone-a',
    policy: ITP_LOCAL_EXTERNAL,
    endpoints: [
      ['10.1.2.3:80', zoned('zone-a', { isLocal: true })],
      ['10.1.2.4:80', zoned('zone-b', { isLocal: true })],
      ['10.1.2.5:80', zoned('zone-c')],
      ['10.1.2.6:80', zoned('zone-a')],
    ],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'],
    local: ['10.1.2.3:80', '10.1.2.4:80'],
    allReachable: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
  },
  { name: 'empty node labels', policy: CLUSTER_ONLY, endpoints: [['10.1.2.3:80', zoned('zone-a')]], cluster: ['10.1.2.3:80'], local: [] },
  { name: 'empty zone label', zone: '', policy: CLUSTER_ONLY, endpoints: [['10.1.2.3:80', zoned('zone-a')]], cluster: ['10.1.2.3:80'], local: [] },
  {
    name: 'node in different zone, no endpoint filtering',
    zone: 'zone-b',
    policy: CLUSTER_ONLY,
    endpoints: [['10.1.2.3:80', zoned('zone-a')]],
    cluster: ['10.1.2.3:80'],
    local: [],
  },
  {
    name: 'unready endpoint',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: [...FOUR_ZONED.slice(0, 3), ['10.1.2.6:80', zoned('zone-a', { ready: false })]],
    cluster: ['10.1.2.3:80'],
    local: [],
  },
  {
    name: 'only unready endpoints in same zone (should not filter)',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.1.2.3:80', zoned('zone-a', { ready: false })],
      ['10.1.2.4:80', zoned('zone-b')],
      ['10.1.2.5:80', zoned('zone-c')],
      ['10.1.2.6:80', zoned('zone-a', { ready: false })],
    ],
    cluster: ['10.1.2.4:80', '10.1.2.5:80'],
    local: [],
  },
  {
    name: 'missing hints, no filtering applied',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: [...FOUR_ZONED.slice(0, 2), ['10.1.2.5:80', { ready: true }], FOUR_ZONED[3]],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80', '10.1.2.6:80'],
    local: [],
  },
  {
    name: 'multiple hints per endpoint, filtering includes any endpoint with zone included',
    zone: 'zone-c',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.1.2.3:80', { ready: true, zoneHints: ['zone-a', 'zone-b', 'zone-c'] }],
      ['10.1.2.4:80', { ready: true, zoneHints: ['zone-b', 'zone-c'] }],
      ['10.1.2.5:80', { ready: true, zoneHints: ['zone-b', 'zone-d'] }],
      ['10.1.2.6:80', { ready: true, zoneHints: ['zone-c'] }],
    ],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
    local: [],
  },
  {
    name: 'conflicting topology and localness require merging allEndpoints',
    zone: 'zone-a',
    policy: ETP_LOCAL,
    endpoints: [
      ['10.0.0.0:80', zoned('zone-a', { isLocal: true })],
      ['10.0.0.1:80', zoned('zone-b', { isLocal: true })],
      ['10.0.0.2:80', zoned('zone-a')],
      ['10.0.0.3:80', zoned('zone-b')],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.2:80'],
    local: ['10.0.0.0:80', '10.0.0.1:80'],
    allReachable: ['10.0.0.0:80', '10.0.0.1:80', '10.0.0.2:80'],
  },
  { name: 'internalTrafficPolicy: Local, with empty endpoints', policy: ITP_LOCAL_ONLY, endpoints: [], cluster: [], local: [], hasAnyEndpoints: false },
  {
    name: 'internalTrafficPolicy: Local, but all endpoints are remote',
    policy: ITP_LOCAL_ONLY,
    endpoints: [
      ['10.0.0.0:80', { ready: true }],
      ['10.0.0.1:80', { ready: true }],
    ],
    cluster: [],
    local: [],
    hasAnyEndpoints: true,
  },
  {
    name: 'internalTrafficPolicy: Local, all endpoints are local',
    policy: ITP_LOCAL_ONLY,
    endpoints: [
      ['10.0.0.0:80', { ready: true, isLocal: true }],
      ['10.0.0.1:80', { ready: true, isLocal: true }],
    ],
    cluster: [],
    local: ['10.0.0.0:80', '10.0.0.1:80'],
  },
  {
    name: 'internalTrafficPolicy: Local, some endpoints are local',
    policy: ITP_LOCAL_ONLY,
    endpoints: [
      ['10.0.0.0:80', { ready: true, isLocal: true }],
      ['10.0.0.1:80', { ready: true }],
    ],
    cluster: [],
    local: ['10.0.0.0:80'],
  },
  {
    name: 'Cluster traffic policy, endpoints not Ready',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.0.0.0:80', {}],
      ['10.0.0.1:80', {}],
    ],
    cluster: [],
    local: [],
    hasAnyEndpoints: false,
  },
  {
    name: 'Cluster traffic policy, some endpoints are Ready',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.0.0.0:80', {}],
      ['10.0.0.1:80', { ready: true }],
    ],
    cluster: ['10.0.0.1:80'],
    local: [],
  },
  {
    name: 'Cluster traffic policy, all endpoints are terminating',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.0.0.0:80', { serving: true, terminating: true, isLocal: true }],
      ['10.0.0.1:80', { serving: true, terminating: true }],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
  },
  {
    name: 'Cluster traffic policy, terminating but not serving endpoints are never used',
    policy: CLUSTER_ONLY,
    endpoints: [['10.0.0.0:80', { terminating: true }]],
    cluster: [],
    local: [],
    hasAnyEndpoints: false,
  },
  {
    name: 'iTP: Local, eTP: Cluster, some endpoints local',
    policy: ITP_LOCAL_EXTERNAL,
    endpoints: [
      ['10.0.0.0:80', { ready: true, isLocal: true }],
      ['10.0.0.1:80', { ready: true }],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: ['10.0.0.0:80'],
    allReachable: ['10.0.0.0:80', '10.0.0.1:80'],
  },
  {
    name: 'iTP: Cluster, eTP: Local, some endpoints local',
    policy: ETP_LOCAL,
    endpoints: [
      ['10.0.0.0:80', { ready: true, isLocal: true }],
      ['10.0.0.1:80', { ready: true }],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: ['10.0.0.0:80'],
    allReachable: ['10.0.0.0:80', '10.0.0.1:80'],
  },
  {
    name: 'iTP: Local, eTP: Local, all endpoints remote',
    policy: BOTH_LOCAL,
    endpoints: [
      ['10.0.0.0:80', { ready: true }],
      ['10.0.0.1:80', { ready: true }],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
    allReachable: ['10.0.0.0:80', '10.0.0.1:80'],
  },
  {
    name: 'iTP: Local, eTP: Local, all endpoints remote and terminating',
    policy: BOTH_LOCAL,
    endpoints: [
      ['10.0.0.0:80', { serving: true, terminating: true }],
      ['10.0.0.1:80', { serving: true, terminating: true }],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
    allReachable: ['10.0.0.0:80', '10.0.0.1:80'],
    hasAnyEndpoints: true,
  },
  {
    name: 'iTP: Cluster, eTP: Local, with terminating endpoints',
    policy: ETP_LOCAL,
    endpoints: [
      ['10.0.0.0:80', { ready: true }],
      ['10.0.0.1:80', { isLocal: true }],
      ['10.0.0.2:80', { serving: true, terminating: true, isLocal: true }],
      ['10.0.0.3:80', { serving: true, terminating: true }],
    ],
    cluster: ['10.0.0.0:80'],
    local: ['10.0.0.2:80'],
    allReachable: ['10.0.0.0:80', '10.0.0.2:80'],
  },
  {
    name: 'externalTrafficPolicy ignored if not externally accessible',
    policy: ETP_LOCAL_NOT_EXTERNAL,
    endpoints: [
      ['10.0.0.0:80', { ready: true }],
      ['10.0.0.1:80', { ready: true, isLocal: true }],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
  },
  {
    name: 'no cluster endpoints for iTP:Local internal-only service',
    policy: ITP_LOCAL_ONLY,
    endpoints: [
      ['10.0.0.0:80', { ready: true }],
      ['10.0.0.1:80', { ready: true, isLocal: true }],
    ],
    cluster: [],
    local: ['10.0.0.1:80'],
  },
  {
    name: 'PreferSameNode: node hints for this node win over zone hints',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.0.0.0:80', zoned('zone-a', { nodeHints: ['test-node'] })],
      ['10.0.0.1:80', zoned('zone-a', { nodeHints: ['other-node'] })],
      ['10.0.0.2:80', zoned('zone-b', { nodeHints: ['far-node'] })],
    ],
    cluster: ['10.0.0.0:80'],
    local: [],
  },
  {
    name: 'PreferSameNode: no hint for this node falls back to zone hints',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.0.0.0:80', zoned('zone-a', { nodeHints: ['other-node'] })],
      ['10.0.0.1:80', zoned('zone-a', { nodeHints: ['other-node'] })],
      ['10.0.0.2:80', zoned('zone-b', { nodeHints: ['far-node'] })],
    ],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'],
    local: [],
  },
  {
    name: 'PreferSameNode: an endpoint without node hints disables node topology',
    zone: 'zone-a',
    policy: CLUSTER_ONLY,
    endpoints: [
      ['10.0.0.0:80', zoned('zone-b', { nodeHints: ['test-node'] })],
      ['10.0.0.1:80', zoned('zone-a')],
    ],
    cluster: ['10.0.0.1:80'],
    local: [],
  },
];

function categorize(testCase: Case) {
  const endpoints = testCase.endpoints.map(([address, spec]) => endpoint(address, spec));
  const nodeHints = new Map<Endpoint, readonly string[]>();
  testCase.endpoints.forEach(([, spec], index) => {
    const hints = spec.nodeHints;
    const target = endpoints[index];
    if (hints !== undefined && target !== undefined) nodeHints.set(target, hints);
  });
  return categorizeEndpoints(endpoints, testCase.policy, { nodeName: 'test-node', zone: testCase.zone }, nodeHints);
}

const names = (endpoints: readonly Endpoint[]): string[] => endpoints.map((e) => e.endpoint);

describe('categorizeEndpoints', () => {
  it.each(cases)('$name', (testCase) => {
    const result = categorize(testCase);
    expect(names(result.cluster)).toEqual(testCase.cluster);
    expect(names(result.local)).toEqual(testCase.local);
    const expectedReachable = testCase.allReachable ?? (testCase.local.length > 0 ? testCase.local : testCase.cluster);
    expect(names(result.allReachable)).toEqual(expectedReachable);
    expect(result.hasAnyEndpoints).toBe(testCase.hasAnyEndpoints ?? expectedReachable.length > 0);
    expect(names(result.all)).toEqual(testCase.endpoints.map(([address]) => address));
  });

  it('returns frozen lists', () => {
    const result = categorize(cases[1] as Case);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.cluster)).toBe(true);
    expect(Object.isFrozen(result.allReachable)).toBe(true);
  });
});
