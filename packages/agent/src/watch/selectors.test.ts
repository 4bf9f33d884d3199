import { describe, expect, it } from 'vitest';
import { isValidLabelValue, nodeFieldSelector, serviceLabelSelector } from './selectors.ts';

describe('serviceLabelSelector', () => {
  it('excludes objects of other proxies and headless ones by default', () => {
    expect(serviceLabelSelector('')).toBe('!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless');
  });

  it('selects only the configured proxy name when one is given', () => {
    expect(serviceLabelSelector('kpx')).toBe('service.kubernetes.io/service-proxy-name=kpx,!service.kubernetes.io/headless');
  });
});

describe('nodeFieldSelector', () => {
  it('selects the node by name', () => {
    expect(nodeFieldSelector('node-a')).toBe('metadata.name=node-a');
  });
});

describe('isValidLabelValue', () => {
  it.each([
    ['', true],
    ['kpx', true],
    ['a.b-c_d', true],
    ['-a', false],
    ['a,b', false],
    ['a=b', false],
    ['x'.repeat(64), false],
  ])('%j → %s', (value, valid) => {
    expect(isValidLabelValue(value)).toBe(valid);
  });
});
