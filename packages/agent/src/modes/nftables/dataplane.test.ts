import { describe, expect, it } from 'vitest';
import { diffStates } from '../../diff/diff-states.ts';
import { isKpxError } from '../../errors.ts';
import { silentLogger } from '../../log.ts';
import type { DataplaneMetrics } from '../mode.ts';
import { openNftablesDataplane } from './dataplane.ts';
import { parseNftFailure } from './apply.ts';
import { createNftablesPlanner } from './plan.ts';
import { recordingExec } from '../../../../../test/helpers/recording-exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';

const port = (name: string, ips: readonly string[]) =>
  makeServicePort('ns1', name, 'http', (sp) => {
    sp.clusterIP = name === 'a' ? '172.30.0.1' : '172.30.0.2';
    sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 60 };
    sp.endpoints = ips.map((ip) => makeEndpoint(ip, 80));
  });

describe('nftables dataplane with a recording exec', () => {
  const deps = (exec: ReturnType<typeof recordingExec>['exec']) => ({ exec, clock: { now: () => 0 }, log: silentLogger() });

  it('runs each sync as one `ip netns exec NS nft -f -`, replacing the table first, flushing it later, deleting what is stale', async () => {
    const recorder = recordingExec();
    const dataplane = openNftablesDataplane(deps(recorder.exec), { netns: 'kpx-test', ipFamily: 'IPv4' });
    const plan = createNftablesPlanner({});
    const both = makeState([port('a', ['10.0.0.1']), port('b', ['10.0.0.2'])]);
    const onlyA = makeState([port('a', ['10.0.0.1'])]);
    await dataplane.apply(plan(both));
    await dataplane.apply(plan(onlyA));
    expect(recorder.argv()).toEqual(['ip netns exec kpx-test nft -f -', 'ip netns exec kpx-test nft -f -']);
    const [first, second] = recorder.calls.map((call) => call.stdin!.split('\n'));
    expect(first!.slice(0, 3)).toEqual([
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
      'delete table ip kube-proxy',
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    ]);
    expect(second![1]).toBe('flush table ip kube-proxy');
    const deletes = second!.filter((line) => line.startsWith('delete '));
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((line) => line.includes('/b/'))).toBe(true);
    // Chains before sets: a stale endpoint chain names its affinity set.
    expect(deletes.findIndex((line) => line.startsWith('delete set'))).toBeGreaterThan(deletes.findLastIndex((line) => line.startsWith('delete chain')));
  });

  it('sends a partial plan without any table statement', async () => {
    const recorder = recordingExec();
    const dataplane = openNftablesDataplane(deps(recorder.exec), { ipFamily: 'IPv4' });
    const plan = createNftablesPlanner({});
    const before = makeState([port('a', ['10.0.0.1'])]);
    const after = makeState([port('a', ['10.0.0.1', '10.0.0.3'])]);
    await dataplane.apply(plan(before));
    const report = await dataplane.apply(plan(after, diffStates(before, after)));
    expect(report.full).toBe(false);
    expect(recorder.argv().at(-1)).toBe('nft -f -');
    expect(recorder.calls.at(-1)!.stdin).not.toMatch(/table/);
  });

  it('writes a shared dispatch chain only when no earlier plan wrote it', async () => {
    const port = (name: string, ips: readonly string[]) =>
      makeServicePort('ns1', name, 'http', (sp) => {
        sp.clusterIP = name === 'a' ? '172.30.0.1' : '172.30.0.2';
        sp.endpoints = ips.map((ip) => makeEndpoint(ip, 80));
      });
    const recorder = recordingExec();
    const dataplane = openNftablesDataplane(deps(recorder.exec), { ipFamily: 'IPv4' });
    const plan = createNftablesPlanner({});
    const one = makeState([port('a', ['10.0.0.1']), port('b', ['10.0.0.5', '10.0.0.6'])]);
    const two = makeState([port('a', ['10.0.0.1', '10.0.0.3']), port('b', ['10.0.0.5', '10.0.0.6'])]);
    const three = makeState([port('a', ['10.0.0.1', '10.0.0.3', '10.0.0.4']), port('b', ['10.0.0.5', '10.0.0.6'])]);
    await dataplane.apply(plan(one));
    await dataplane.apply(plan(two, diffStates(one, two)));
    expect(recorder.calls.at(-1)!.stdin).not.toContain('add chain');
    await dataplane.apply(plan(three, diffStates(two, three)));
    expect(recorder.calls.at(-1)!.stdin).toContain('add chain ip kube-proxy cluster-endpoints-tcp-3\nflush chain ip kube-proxy cluster-endpoints-tcp-3\n');
    await dataplane.apply(plan(two, diffStates(three, two)));
    await dataplane.apply(plan(three, diffStates(two, three)));
    expect(recorder.calls.at(-1)!.stdin).not.toContain('add chain');
  });

  it('throws KPX_ERR_NFT with the statement nft named', async () => {
    const recorder = recordingExec(() => ({ exitCode: 1, stderr: '/dev/stdin:3:1-4: Error: syntax error\n' }));
    const dataplane = openNftablesDataplane(deps(recorder.exec), { ipFamily: 'IPv4' });
    const plan = createNftablesPlanner({})(makeState([port('a', ['10.0.0.1'])]));
    const error = await dataplane.apply(plan).catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_NFT')).toBe(true);
    expect((error as { context: { line: number; statement: string } }).context).toMatchObject({ line: 3, statement: recorder.calls[0]!.stdin!.split('\n')[2] });
  });

  it('counts a rejected sync transaction, full or partial, and a failed cleanup, as upstream does', async () => {
    const counted: string[] = [];
    const metrics: DataplaneMetrics = {
      countRestoreFailure: () => void counted.push('restore'),
      setIptablesRules: () => void counted.push('rules'),
      countNftablesFailure: (step) => void counted.push(step),
    };
    let failing = false;
    const recorder = recordingExec(() => (failing ? { exitCode: 1, stderr: 'Error: Could not process rule: Operation not permitted\n' } : undefined));
    const dataplane = openNftablesDataplane({ ...deps(recorder.exec), metrics }, { ipFamily: 'IPv4' });
    const plan = createNftablesPlanner({});
    const before = makeState([port('a', ['10.0.0.1'])]);
    const after = makeState([port('a', ['10.0.0.1', '10.0.0.3'])]);
    await dataplane.apply(plan(before));
    expect(counted).toEqual([]);
    failing = true;
    await expect(dataplane.apply(plan(after, diffStates(before, after)))).rejects.toMatchObject({ code: 'KPX_ERR_NFT' });
    await expect(dataplane.apply(plan(after))).rejects.toMatchObject({ code: 'KPX_ERR_NFT' });
    expect(counted).toEqual(['sync', 'sync']);
    await expect(dataplane.cleanup()).rejects.toMatchObject({ code: 'KPX_ERR_NFT' });
    expect(counted).toEqual(['sync', 'sync', 'cleanup']);
  });

  it('cleanup deletes only kpx tables, missing ones included', async () => {
    const recorder = recordingExec(() => ({ exitCode: 1, stderr: 'Error: No such file or directory' }));
    await openNftablesDataplane(deps(recorder.exec), { ipFamily: 'IPv4', tableName: 'kpx' }).cleanup();
    expect(recorder.argv()).toEqual(['nft delete table ip kpx', 'nft delete table ip6 kpx']);
  });
});

it.each([
  ['/dev/stdin:2:5-9: Error: x', 2, 'b'],
  ['Error: no line', undefined, undefined],
])('parseNftFailure(%j)', (stderr, line, statement) => {
  expect(parseNftFailure(stderr, 'a\nb\nc\n')).toMatchObject({ line, statement });
});
