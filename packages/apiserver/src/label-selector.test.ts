import { describe, expect, it } from 'vitest';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.ts';

const labels = { app: 'web', tier: 'front', 'example.com/zone': 'a', count: '5' };

describe('parseLabelSelector + matchesLabelSelector', () => {
  it.each([
    ['', true],
    ['app', true],
    ['!app', false],
    ['missing', false],
    ['!missing', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (db, web)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['app notin (web,db)', false],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['example.com/zone=a', true],
    ['count>4', true],
    ['count<5', false],
    [' app = web , !missing ', true],
    ['app=', false],
  ])('%j matches: %s', (text, expected) => {
    const parsed = parseLabelSelector(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(matchesLabelSelector(parsed.value, labels)).toBe(expected);
  });

  it('parses requirements into upstream operators', () => {
    expect(parseLabelSelector('a in (x,y),!b,c!=d')).toEqual({
      ok: true,
      value: [
        { key: 'a', operator: 'in', values: ['x', 'y'] },
        { key: 'b', operator: 'notexists', values: [] },
        { key: 'c', operator: 'notequals', values: ['d'] },
      ],
    });
  });

  it.each(['app in ()', 'app in (a', '=x', 'a=b=c', 'a b', '-bad=x', 'a=b c', 'count>x', 'a=(x)'])('rejects %j', (text) => {
    const parsed = parseLabelSelector(text);
    expect(parsed.ok).toBe(false);
  });

  it('an object without labels matches only negative requirements', () => {
    const parsed = parseLabelSelector('!a,b!=c,d notin (e)');
    expect(parsed.ok && matchesLabelSelector(parsed.value, undefined)).toBe(true);
  });
});
