import { describe, expect, it } from 'vitest';
import { allocateClusterIP, defaultServiceSpec, keepAllocatedValues } from './service-defaults.ts';

const allocations = { usedClusterIPs: new Set(['10.96.0.10']), usedNodePorts: new Set([30000]), serviceCIDR: '10.96.0.0/12' };

describe('Service defaulting and allocation', () => {
  it('defaults a minimal ClusterIP Service and allocates the first free IP', () => {
    expect(defaultServiceSpec({ ports: [{ port: 80 }] }, allocations)).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      clusterIP: '10.96.0.11',
      clusterIPs: ['10.96.0.11'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
  });

  it('allocates node ports for LoadBalancer Services and keeps given ones', () => {
    const spec = defaultServiceSpec(
      { type: 'LoadBalancer', clusterIP: '10.96.0.20', ports: [{ port: 80 }, { port: 443, nodePort: 31443 }] },
      allocations,
    ) as Record<string, unknown>;
    expect(spec.ports).toEqual([
      { port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30001 },
      { port: 443, nodePort: 31443, protocol: 'TCP', targetPort: 443 },
    ]);
    expect(spec).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true });
  });

  it('leaves headless and ExternalName Services without an allocated IP', () => {
    expect(defaultServiceSpec({ clusterIP: 'None' }, allocations)).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    expect(defaultServiceSpec({ type: 'ExternalName', externalName: 'x.example' }, allocations)).not.toHaveProperty('clusterIP');
  });

  it('leaves garbage alone', () => {
    expect(defaultServiceSpec('spec', allocations)).toBe('spec');
    expect(defaultServiceSpec({ ports: 'many', clusterIP: 'banana' }, allocations)).toMatchObject({ ports: 'many', clusterIP: 'banana' });
  });

  it('allocates within the CIDR, skipping used addresses', () => {
    expect(allocateClusterIP('192.168.0.0/30', new Set())).toBeUndefined();
    expect(allocateClusterIP('10.0.0.0/24', new Set(['10.0.0.10', '10.0.0.11']))).toBe('10.0.0.12');
  });

  it('an update without allocated values keeps the stored ones', () => {
    const current = { type: 'NodePort', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] };
    expect(keepAllocatedValues({ type: 'NodePort', ports: [{ port: 80 }] }, current)).toEqual({
      type: 'NodePort',
      clusterIP: '10.96.0.5',
      clusterIPs: ['10.96.0.5'],
      ports: [{ port: 80, nodePort: 30080 }],
    });
  });
});
