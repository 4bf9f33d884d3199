import { describe, expect, it } from 'vitest';
import { diffStates } from '../../diff/diff-states.ts';
import { isKpxError } from '../../errors.ts';
import { silentLogger } from '../../log.ts';
import type { ExecRequest } from '../../sys/exec.ts';
import { openNftablesDataplane } from './dataplane.ts';
import { canaryState } from './flush-canary.ts';
import { createNftablesPlanner } from './plan.ts';
import { recordingExec, type Responder } from '../../../../../test/helpers/recording-exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';

const busy = { exitCode: 1, stderr: 'Error: Could not process rule: Device or resource busy\ndelete chain ip kube-proxy flush-canary\n' };
const missing = { exitCode: 1, stderr: 'Error: Could not process rule: No such file or directory\ndelete chain ip kube-proxy flush-canary\n' };

const state = (ips: readonly string[]) =>
  makeState([
    makeServicePort('ns1', 'a', 'http', (sp) => {
      sp.clusterIP = '172.30.0.1';
      sp.endpoints = ips.map((ip) => makeEndpoint(ip, 80));
    }),
  ]);

const isCheck = (request: ExecRequest): boolean => request.args.includes('--check');

function opened(respond: Responder, ipFamily: 'IPv4' | 'IPv6' = 'IPv4') {
  const recorder = recordingExec(respond);
  const dataplane = openNftablesDataplane({ exec: recorder.exec, clock: { now: () => 0 }, log: silentLogger() }, { netns: 'kpx-test', ipFamily });
  return { recorder, dataplane };
}

describe('nftables flush detection with a recording exec', () => {
  it('reads the outcome of the validated deletion', () => {
    expect(canaryState(busy)).toBe('intact');
    expect(canaryState({ exitCode: 0, stderr: '' })).toBe('flushed');
    expect(canaryState(missing)).toBe('gone');
    expect(canaryState({ exitCode: 1, stderr: 'Error: Could not process rule: Operation not permitted' })).toBeUndefined();
  });

  it('writes the canary in every full transaction, after the table header, and never in a partial one', async () => {
    const { recorder, dataplane } = opened(() => undefined);
    const plan = createNftablesPlanner({});
    await dataplane.apply(plan(state(['10.0.0.1'])));
    await dataplane.apply(plan(state(['10.0.0.1'])));
    await dataplane.apply(plan(state(['10.0.0.1', '10.0.0.2']), diffStates(state(['10.0.0.1']), state(['10.0.0.1', '10.0.0.2']))));
    const [first, second, partial] = recorder.calls.map((call) => call.stdin!.split('\n'));
    for (const text of [first!, second!]) {
      const jump = text.indexOf('add rule ip kube-proxy flush-canary-ref jump flush-canary');
      expect(jump).toBeGreaterThan(text.findLastIndex((line) => /^(delete|flush) table /.test(line)));
      expect(text.indexOf('flush chain ip kube-proxy flush-canary-ref')).toBe(jump - 1);
      expect(text.indexOf('add chain ip kube-proxy flush-canary')).toBeGreaterThan(0);
    }
    expect(partial!.join('\n')).not.toMatch(/flush-canary/);
  });

  it('checks its own family and table only, with one validated deletion per check, after the first full sync', async () => {
    let answer: { exitCode: number; stderr: string } = busy;
    const { recorder, dataplane } = opened((request) => (isCheck(request) ? answer : undefined), 'IPv6');
    expect(await dataplane.detectFlush!()).toBeUndefined();
    expect(recorder.calls).toHaveLength(0);
    await dataplane.apply(createNftablesPlanner({})(state(['fd00::1'])));
    expect(await dataplane.detectFlush!()).toBeUndefined();
    expect(recorder.argv().at(-1)).toBe('ip netns exec kpx-test nft --check delete chain ip6 kube-proxy flush-canary');
    expect(recorder.calls.at(-1)!.stdin).toBeUndefined();
    answer = { exitCode: 0, stderr: '' };
    expect(await dataplane.detectFlush!()).toEqual({ lost: ['ip6 kube-proxy'] });
    answer = missing;
    expect(await dataplane.detectFlush!()).toEqual({ lost: ['ip6 kube-proxy'] });
    expect(recorder.calls.filter(isCheck)).toHaveLength(3);
  });

  it('throws KPX_ERR_NFT when nft cannot tell', async () => {
    const { dataplane } = opened((request) =>
      isCheck(request) ? { exitCode: 1, stderr: 'Error: Could not process rule: Operation not permitted' } : undefined,
    );
    await dataplane.apply(createNftablesPlanner({})(state(['10.0.0.1'])));
    const error = await dataplane.detectFlush!().catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_NFT')).toBe(true);
  });

  it('stops checking after cleanup', async () => {
    const { recorder, dataplane } = opened(() => undefined);
    await dataplane.apply(createNftablesPlanner({})(state(['10.0.0.1'])));
    await dataplane.cleanup();
    const calls = recorder.calls.length;
    expect(await dataplane.detectFlush!()).toBeUndefined();
    expect(recorder.calls).toHaveLength(calls);
  });
});
