import { describe, expect, it } from 'vitest';
import { makeAddressedNode, makeClusterIPService, withVersion } from '../../../../test/helpers/k8s-builders.ts';
import { createObjectCache, objectKey } from './object-cache.ts';

describe('objectKey', () => {
  it.each([
    [makeClusterIPService('ns', 'web'), 'ns/web'],
    [makeAddressedNode('node-a'), 'node-a'],
    [{ metadata: { name: '' } }, undefined],
    [{ metadata: { name: 'x', namespace: 7 } }, undefined],
    [{ metadata: 'nope' }, undefined],
    [{}, undefined],
  ])('%j → %s', (object, key) => {
    expect(objectKey(object)).toBe(key);
  });
});

describe('createObjectCache', () => {
  it('applies watch events and reports previous and current objects', () => {
    const cache = createObjectCache();
    const v1 = withVersion(makeClusterIPService('ns', 'web'), '1');
    const v2 = withVersion(makeClusterIPService('ns', 'web', { port: 81 }), '2');
    expect(cache.apply('ADDED', v1)).toEqual({ key: 'ns/web', previous: undefined, current: v1 });
    expect(cache.apply('MODIFIED', v2)).toEqual({ key: 'ns/web', previous: v1, current: v2 });
    expect(cache.values()).toEqual([v2]);
    expect(cache.apply('DELETED', v2)).toEqual({ key: 'ns/web', previous: v2, current: undefined });
    expect(cache.size).toBe(0);
    expect(cache.apply('ADDED', { metadata: {} })).toBeUndefined();
  });

  it('replaces everything at once and reports only what differs by resourceVersion', () => {
    const cache = createObjectCache();
    const kept = withVersion(makeClusterIPService('ns', 'kept'), '1');
    const changedBefore = withVersion(makeClusterIPService('ns', 'changed'), '2');
    const changedAfter = withVersion(makeClusterIPService('ns', 'changed', { port: 81 }), '5');
    const gone = withVersion(makeClusterIPService('ns', 'gone'), '3');
    const added = withVersion(makeClusterIPService('ns', 'added'), '6');
    cache.replace(
      new Map([
        ['ns/kept', kept],
        ['ns/changed', changedBefore],
        ['ns/gone', gone],
      ]),
    );

    const changes = cache.replace(
      new Map([
        ['ns/kept', kept],
        ['ns/changed', changedAfter],
        ['ns/added', added],
      ]),
    );

    expect(changes).toEqual([
      { key: 'ns/changed', previous: changedBefore, current: changedAfter },
      { key: 'ns/added', previous: undefined, current: added },
      { key: 'ns/gone', previous: gone, current: undefined },
    ]);
    expect(cache.values()).toEqual([kept, changedAfter, added]);
  });
});
