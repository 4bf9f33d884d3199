import { describe, expect, it } from 'vitest';
import { ProcessGroup, type LabProcess } from './lab-process.ts';
import { DaemonStartError, startNodeDaemons } from './node-daemons.ts';

const NODE = { name: 'node1', netns: 'kpx-test-unused', ip: '10.0.0.1', podCIDR: '10.244.0.0/24', annotations: {} };

/** Runs a shell script in place of each daemon; the node's namespace is never entered. */
class ScriptedGroup extends ProcessGroup {
  private readonly script: string;
  constructor(script: string) {
    super();
    this.script = script;
  }
  override start(label: string): LabProcess {
    return super.start(label, '', 'sh', ['-c', this.script]);
  }
}

describe('startNodeDaemons', () => {
  it('names a daemon killed by a signal, rather than blaming the first-sync timeout', async () => {
    const error = await startNodeDaemons(new ScriptedGroup('kill -SEGV $$'), 'ipvs', 'http://127.0.0.1:1', [NODE], 60_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DaemonStartError);
    expect((error as DaemonStartError).message).toBe('kpx run --proxy-mode ipvs on node1 exited SIGSEGV');
    expect((error as DaemonStartError).isUnavailable).toBe(false);
  });

  it('says so when a live daemon never logs its first sync', async () => {
    const group = new ScriptedGroup('sleep 30');
    const error = await startNodeDaemons(group, 'ipvs', 'http://127.0.0.1:1', [NODE], 1000).catch((caught: unknown) => caught);
    expect((error as DaemonStartError).message).toBe('no first sync within 1 s on every node');
  });
});
