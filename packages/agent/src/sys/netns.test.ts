import { describe, expect, it } from 'vitest';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { deleteNetns, execInNetns, listNetns } from './netns.ts';

describe('execInNetns', () => {
  it('prefixes ip netns exec and keeps stdin', async () => {
    const fake = recordingExec();
    await execInNetns(fake.exec, 'kpx-t1-node')({ file: 'iptables-restore', args: ['--noflush'], stdin: '*nat\nCOMMIT\n' });
    expect(fake.calls).toEqual([{ file: 'ip', args: ['netns', 'exec', 'kpx-t1-node', 'iptables-restore', '--noflush'], stdin: '*nat\nCOMMIT\n' }]);
  });

  it.each(['', '-all', '..', 'a/b', 'a b', 'x'.repeat(65)])('rejects the name %j', (name) => {
    expect(() => execInNetns(recordingExec().exec, name)).toThrow(expect.objectContaining({ code: 'KPX_ERR_CONFIG' }));
  });
});

describe('namespace operations', () => {
  it('lists names without their ids', async () => {
    const fake = recordingExec(() => ({ stdout: 'kpx-a-node (id: 3)\nkpx-a-pod1\n\n' }));
    expect(await listNetns(fake.exec)).toEqual(['kpx-a-node', 'kpx-a-pod1']);
  });

  it('does not fail deleting a namespace that is gone', async () => {
    const fake = recordingExec(() => ({ exitCode: 1, stderr: 'Cannot remove namespace file "/run/netns/x": No such file or directory\n' }));
    await expect(deleteNetns(fake.exec, 'x')).resolves.toBeUndefined();
  });
});
