// The order of kpx's jumps in filter INPUT/OUTPUT after `--cleanup` and a restart equals a
// fresh node's: cleanup leaves kubelet's KUBE-FIREWALL jumps (as upstream's does), and the
// restart must put kpx's own jumps behind them, not in front (else the KUBE-NODEPORTS accepts
// would be evaluated before the localnet drop). Real tools in a bare namespace, both backends.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '@kpx/agent/log.ts';
import { iptablesMode } from '@kpx/agent/modes/iptables/index.ts';
import type { IptablesBackend } from '@kpx/agent/netfilter/backend-detect.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import { makeEndpoint, makeServicePort, makeState } from '../helpers/state-builders.ts';
import { uniquePrefix } from '../helpers/topology.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const state = makeState([
  makeServicePort('ns', 'web', 'http', (sp) => {
    sp.clusterIP = '10.96.0.10';
    sp.nodePort = 30080;
    sp.healthCheckNodePort = 30999;
    sp.endpoints.push(makeEndpoint('10.244.1.2', 8080));
  }),
]);

describeAsRoot('jump rule order after --cleanup and a restart', () => {
  let netns: string;
  let exec: Exec;

  beforeEach(async () => {
    netns = `${uniquePrefix()}-order`;
    await addNetns(realExec, netns);
    exec = execInNetns(realExec, netns);
  });

  afterEach(async () => {
    await deleteNetns(realExec, netns);
  });

  it.each(['nft', 'legacy'] as IptablesBackend[])("is a fresh node's on iptables-%s", async (backend) => {
    const start = async (): Promise<Awaited<ReturnType<typeof iptablesMode.open>>> => {
      const dataplane = iptablesMode.open({ exec: realExec, clock: { now: () => 0 }, log: silentLogger() }, dataplaneSettings({ backend }, { netns }));
      await dataplane.setup();
      await dataplane.apply(iptablesMode.plan(state, {}));
      return dataplane;
    };
    const builtinJumps = async (): Promise<string[]> => {
      const saved = await execOk(exec, { file: `iptables-${backend}-save`, args: ['-t', 'filter'] });
      return saved.stdout.split('\n').filter((line) => /^-A (INPUT|OUTPUT) /.test(line));
    };
    const fresh = await start();
    const freshOrder = await builtinJumps();
    expect(freshOrder[0]).toBe('-A INPUT -j KUBE-FIREWALL');
    await fresh.cleanup();
    // Cleanup leaves the chain shared with kubelet, and its jumps.
    expect(await builtinJumps()).toEqual(['-A INPUT -j KUBE-FIREWALL', '-A OUTPUT -j KUBE-FIREWALL']);
    await start();
    expect(await builtinJumps()).toEqual(freshOrder);
  });
});
