import { describe, expect, it } from 'vitest';
import { matchesFieldSelector, parseFieldSelector } from './field-selector.ts';

const service = { metadata: { name: 'web', namespace: 'prod' }, spec: { type: 'NodePort', clusterIP: '10.0.0.1' } };

describe('parseFieldSelector + matchesFieldSelector', () => {
  it.each([
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name!=web', false],
    ['metadata.name=db', false],
    ['metadata.namespace=prod,metadata.name=web', true],
    ['metadata.namespace=prod,metadata.name!=web', false],
    ['spec.type=NodePort', true],
    ['spec.clusterIP!=10.0.0.2', true],
  ])('%j matches: %s', (text, expected) => {
    const parsed = parseFieldSelector(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(matchesFieldSelector(parsed.value, service)).toBe(expected);
  });

  it('unescapes \\, \\= and \\\\ in values', () => {
    expect(parseFieldSelector('a=x\\,y\\=z\\\\,b!=c')).toEqual({
      ok: true,
      value: [
        { field: 'a', operator: 'equals', value: 'x,y=z\\' },
        { field: 'b', operator: 'notequals', value: 'c' },
      ],
    });
  });

  it.each(['metadata.name', 'a=b=c', 'a=\\x'])('rejects %j', (text) => {
    expect(parseFieldSelector(text).ok).toBe(false);
  });
});
