// Backend detection and the dataplane's sysctls, against real tools in a bare namespace.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '@kpx/agent/log.ts';
import { detectIptablesBackend } from '@kpx/agent/netfilter/backend-detect.ts';
import { iptablesMode } from '@kpx/agent/modes/iptables/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import { execOk, realExec, type Exec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import { uniquePrefix } from '../helpers/topology.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

describeAsRoot('iptables set-up in a namespace', () => {
  let netns: string;
  let exec: Exec;

  beforeEach(async () => {
    netns = `${uniquePrefix()}-bare`;
    await addNetns(realExec, netns);
    exec = execInNetns(realExec, netns);
  });

  afterEach(async () => {
    await deleteNetns(realExec, netns);
  });

  it.each([
    ['iptables-legacy', 'KUBE-IPTABLES-HINT', 'legacy', 'legacy-hint'],
    ['iptables-nft', 'KUBE-KUBELET-CANARY', 'nft', 'nft-hint'],
  ])("finds kubelet's hint left by %s", async (tool, chain, backend, reason) => {
    await execOk(exec, { file: tool, args: ['-t', 'mangle', '-N', chain] });
    expect(await detectIptablesBackend(exec)).toMatchObject({ backend, reason });
  });

  it('counts rules when no hint is there', async () => {
    for (let n = 0; n < 3; n += 1) await execOk(exec, { file: 'iptables-legacy', args: ['-A', 'INPUT', '-j', 'ACCEPT'] });
    expect(await detectIptablesBackend(exec)).toMatchObject({ backend: 'legacy', reason: 'rule-count', legacyRules: 3, nftRules: 0 });
  });

  it('sets route_localnet inside the namespace only when localhost node ports are on', async () => {
    const sysctl = execSysctl(exec);
    const deps = { exec: realExec, clock: { now: () => performance.now() }, log: silentLogger() };
    await iptablesMode.open(deps, dataplaneSettings({ backend: 'nft' }, { netns, localhostNodePorts: false })).setup();
    expect(await sysctl.read('net.ipv4.conf.all.route_localnet')).toBe('0');
    await iptablesMode.open(deps, dataplaneSettings({ backend: 'nft' }, { netns })).setup();
    expect(await sysctl.read('net.ipv4.conf.all.route_localnet')).toBe('1');
  });
});
