import { describe, expect, it } from 'vitest';
import type { JsonObject } from './json-value.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

const service: JsonObject = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a'] },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
    ],
    externalIPs: ['1.1.1.1', '2.2.2.2'],
  },
};

describe('applyStrategicMergePatch', () => {
  it('merges maps and deletes keys set to null', () => {
    const out = applyStrategicMergePatch('Service', service, { metadata: { labels: { tier: null, env: 'prod' } } }) as JsonObject;
    expect((out.metadata as JsonObject).labels).toEqual({ app: 'web', env: 'prod' });
  });

  it('merges Service ports by port, keeping the others', () => {
    const out = applyStrategicMergePatch('Service', service, {
      spec: {
        ports: [
          { port: 443, targetPort: 9443 },
          { port: 53, name: 'dns' },
        ],
      },
    }) as JsonObject;
    expect((out.spec as JsonObject).ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 9443 },
      { port: 53, name: 'dns' },
    ]);
  });

  it('deletes a list item with $patch: delete and orders by $setElementOrder', () => {
    const out = applyStrategicMergePatch('Service', service, {
      spec: {
        '$setElementOrder/ports': [{ port: 443 }, { port: 8 }],
        ports: [
          { port: 80, $patch: 'delete' },
          { port: 8, name: 'x' },
        ],
      },
    }) as JsonObject;
    expect((out.spec as JsonObject).ports).toEqual([
      { name: 'https', port: 443, targetPort: 8443 },
      { port: 8, name: 'x' },
    ]);
  });

  it('replaces lists upstream leaves untagged (atomic)', () => {
    const out = applyStrategicMergePatch('Service', service, { spec: { externalIPs: ['3.3.3.3'] } }) as JsonObject;
    expect((out.spec as JsonObject).externalIPs).toEqual(['3.3.3.3']);
  });

  it('replaces EndpointSlice endpoints whole', () => {
    const slice = { endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] };
    const out = applyStrategicMergePatch('EndpointSlice', slice, { endpoints: [{ addresses: ['10.0.0.3'] }] });
    expect(out).toEqual({ endpoints: [{ addresses: ['10.0.0.3'] }] });
  });

  it('merges finalizers as a set and honours $deleteFromPrimitiveList', () => {
    const out = applyStrategicMergePatch('Service', service, {
      metadata: { finalizers: ['b', 'a'], '$deleteFromPrimitiveList/finalizers': ['a'] },
    }) as JsonObject;
    expect((out.metadata as JsonObject).finalizers).toEqual(['b']);
  });

  it('$patch: replace on a map replaces it', () => {
    const out = applyStrategicMergePatch('Service', service, { spec: { $patch: 'replace', selector: { app: 'db' } } }) as JsonObject;
    expect(out.spec).toEqual({ selector: { app: 'db' } });
  });

  it('$retainKeys drops the keys not listed', () => {
    const out = applyStrategicMergePatch('Service', { spec: { a: 1, b: 2, c: 3 } }, { spec: { $retainKeys: ['a', 'c'], c: 4 } }) as JsonObject;
    expect(out.spec).toEqual({ a: 1, c: 4 });
  });

  it('does not modify its inputs', () => {
    const before = JSON.stringify(service);
    applyStrategicMergePatch('Service', service, { spec: { ports: [{ port: 80, targetPort: 1 }] } });
    expect(JSON.stringify(service)).toBe(before);
  });

  it('rejects a keyed list item without its merge key', () => {
    expect(() => applyStrategicMergePatch('Service', service, { spec: { ports: [{ name: 'x' }] } })).toThrow(/merge key: port/);
  });
});
