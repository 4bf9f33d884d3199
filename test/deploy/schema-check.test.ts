// The validator itself: it must reject what the API server would.
import { describe, expect, it } from 'vitest';
import { schemaErrors, schemaName } from './schema-check.ts';

const daemonSet = (podSpec: Record<string, unknown>): { apiVersion: string; kind: string; [field: string]: unknown } => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'x' },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec } },
});

describe('schemaErrors', () => {
  it.each([
    ['v1', 'ConfigMap', 'IoK8sApiCoreV1ConfigMap'],
    ['apps/v1', 'DaemonSet', 'IoK8sApiAppsV1DaemonSet'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'IoK8sApiRbacV1ClusterRole'],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'IoK8sApiDiscoveryV1EndpointSlice'],
  ])('names the schema of %s %s', (apiVersion, kind, expected) => {
    expect(schemaName(apiVersion, kind)).toBe(expected);
  });

  it('accepts a valid DaemonSet', async () => {
    expect(await schemaErrors(daemonSet({ containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1 }] }] }))).toEqual([]);
  });

  it('rejects a missing required field and a wrong type', async () => {
    const errors = await schemaErrors(daemonSet({ containers: [{ image: 'i', ports: [{ containerPort: 'eighty' }] }] }));
    expect(errors.join('\n')).toMatch(/containers\/0: missing required field name$/m);
    expect(errors.join('\n')).toMatch(/containers\/0\/ports\/0\/containerPort: must be integer$/m);
  });

  it('rejects a misspelt field at any depth', async () => {
    const errors = await schemaErrors(
      daemonSet({ hostNetwrok: true, containers: [{ name: 'c', image: 'i', securityContext: { capabilities: { added: ['NET_ADMIN'] } } }] }),
    );
    expect(errors).toEqual([
      '/spec/template/spec/hostNetwrok: unknown field in V1PodSpec',
      '/spec/template/spec/containers/0/securityContext/capabilities/added: unknown field in V1Capabilities',
    ]);
  });

  it('checks inside maps and lists (ConfigMap data must be strings; RBAC rule fields)', async () => {
    expect(await schemaErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 1 } })).not.toEqual([]);
    expect(
      await schemaErrors({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'x' },
        rules: [{ verbs: ['get'], resource: ['pods'] }],
      }),
    ).toEqual(['/rules/0/resource: unknown field in V1PolicyRule']);
  });

  it('reports a kind it has no schema for instead of passing it', async () => {
    expect(await schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget' })).toEqual([
      '(object): no schema IoK8sApiExampleV1Widget for example.com/v1 Widget',
    ]);
  });
});
