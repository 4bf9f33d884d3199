import { describe, expect, it } from 'vitest';
import { decodeContinue, encodeContinue } from './continue-token.ts';

describe('continue tokens', () => {
  it('encodes as upstream does: unpadded base64url JSON', () => {
    const token = encodeContinue({ resourceVersion: 42, startKey: 'default/web\u0000' });
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ v: 'meta.k8s.io/v1', rv: 42, start: 'default/web\u0000' });
    expect(token).not.toMatch(/[=+/]/);
    expect(decodeContinue(token)).toEqual({ resourceVersion: 42, startKey: 'default/web\u0000' });
  });

  it.each([
    ['not base64 at all!', /illegal base64/],
    [Buffer.from('{"v":"meta.k8s.io/v2","rv":1,"start":"a"}').toString('base64url'), /does not recognize this encoded version/],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url'), /incorrect encoded start resourceVersion/],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":""}').toString('base64url'), /encoded start key empty/],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":"../x"}').toString('base64url'), /continue key is not valid/],
    [Buffer.from('[]').toString('base64url'), /continue key is not valid/],
  ])('rejects %s', (token, message) => {
    const decoded = decodeContinue(token);
    expect(typeof decoded).toBe('string');
    expect(decoded).toMatch(message);
  });
});
