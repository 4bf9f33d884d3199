import { describe, expect, it } from 'vitest';
import { defaultModelConfig } from '../../../../test/helpers/k8s-builders.ts';
import { buildDesiredState } from './build-state.ts';
import { mergeFamilyProblems } from './problems.ts';

const dualService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'ns', name: 'dual', uid: 'u1' },
  spec: {
    clusterIP: '10.96.0.1',
    clusterIPs: ['10.96.0.1', 'fd00::1'],
    ipFamilies: ['IPv4', 'IPv6'],
    externalIPs: ['192.0.2.1', '2001:db8::1', 'bogus'],
    ports: [{ port: 80 }],
  },
};
const v6Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'ns', name: 'v6', uid: 'u2' },
  spec: { clusterIP: 'fd00::2', ports: [{ port: 80 }] },
};

describe('mergeFamilyProblems', () => {
  it('keeps each real problem once and drops the notes on what the other family serves', () => {
    const cluster = { services: [dualService, v6Service], endpointSlices: [], node: undefined };
    const builds = (['IPv4', 'IPv6'] as const).map((ipFamily) => ({ ipFamily, ...buildDesiredState(cluster, defaultModelConfig({ ipFamily })) }));
    // Alone, each family notes the other's parts.
    expect(builds[0]!.problems.filter((problem) => problem.severity === 'ignored').length).toBeGreaterThan(0);
    const merged = mergeFamilyProblems(builds);
    expect(merged.map((problem) => [problem.severity, problem.name, problem.field])).toEqual([['error', 'dual', 'spec.externalIPs[2]']]);
  });
});
