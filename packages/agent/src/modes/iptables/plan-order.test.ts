// The plan renders service ports in sorted name order, whatever order the state's map is in.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../model/types.ts';
import { planIptables } from './plan.ts';
import { makeUpstreamOverallScenario } from '../../../../../test/helpers/state-builders.ts';

describe('planIptables port order', () => {
  it('gives the same payload for a state whose map is not in sorted order', () => {
    const sorted = makeUpstreamOverallScenario();
    const reversed: DesiredState = { node: sorted.node, servicePorts: new Map([...sorted.servicePorts].reverse()) };
    expect([...reversed.servicePorts.keys()]).not.toEqual([...sorted.servicePorts.keys()]);
    expect(planIptables(reversed).restoreText).toBe(planIptables(sorted).restoreText);
  });
});
