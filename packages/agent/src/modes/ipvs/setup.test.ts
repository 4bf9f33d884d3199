import { describe, expect, it } from 'vitest';
import { recordingExec } from '../../../../../test/helpers/recording-exec.ts';
import { checkIpvsScheduler, schedulerProbeArgs } from './setup.ts';

describe('checkIpvsScheduler (upstream CanUseIPVSProxier)', () => {
  it('adds and deletes a probe virtual server with the scheduler, mh with its flag', async () => {
    expect(schedulerProbeArgs('mh').add).toEqual(['-A', '-t', '198.51.100.0:20000', '-s', 'mh', '-b', 'mh-port']);
    const recorder = recordingExec();
    await checkIpvsScheduler(recorder.exec, 'twos');
    expect(recorder.argv()).toEqual(['ipvsadm -A -t 198.51.100.0:20000 -s twos', 'ipvsadm -D -t 198.51.100.0:20000']);
  });

  it('replaces a probe left behind once', async () => {
    let adds = 0;
    const recorder = recordingExec((request) =>
      request.args[0] === '-A' && adds++ === 0 ? { exitCode: 1, stderr: 'Memory allocation problem\nMemory allocation problem: File exists' } : undefined,
    );
    await checkIpvsScheduler(recorder.exec, 'rr');
    expect(recorder.argv()).toEqual([
      'ipvsadm -A -t 198.51.100.0:20000 -s rr',
      'ipvsadm -D -t 198.51.100.0:20000',
      'ipvsadm -A -t 198.51.100.0:20000 -s rr',
      'ipvsadm -D -t 198.51.100.0:20000',
    ]);
  });

  it('stops with KPX_ERR_UNSUPPORTED naming the module when the kernel lacks the scheduler', async () => {
    const recorder = recordingExec((request) => (request.args[0] === '-A' ? { exitCode: 2, stderr: 'Scheduler not found: ip_vs_ovf.ko' } : undefined));
    await expect(checkIpvsScheduler(recorder.exec, 'ovf')).rejects.toMatchObject({
      code: 'KPX_ERR_UNSUPPORTED',
      message: expect.stringContaining('ip_vs_ovf'),
    });
    expect(recorder.argv()).toEqual(['ipvsadm -A -t 198.51.100.0:20000 -s ovf']);
  });
});
