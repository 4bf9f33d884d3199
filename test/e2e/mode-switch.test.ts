// Switching modes leaves nothing behind, and `kpx run --cleanup` removes every mode's state:
// `kpx run` processes against the embedded API server, programming the node namespace of a
// topology this file builds, with real iptables (both backends, both families), nft and ip.
// Beside kube-proxy (--service-proxy-name) nothing of kube-proxy's is touched.
// Needs root, iproute2, iptables and nft.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { execOk } from '@kpx/agent/sys/exec.ts';
import { startEchoCluster, WEB_IP, type EchoCluster } from '../helpers/echo-cluster.ts';
import { CLUSTER_CIDR } from '../helpers/topology.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const isSync = (line: LogLine): boolean => line.msg === 'sync done' && line['applied'] === true;
const SAVE_TOOLS = ['iptables-nft-save', 'iptables-legacy-save', 'ip6tables-nft-save', 'ip6tables-legacy-save'];
/** The kubelet's chains: kube-proxy's cleanup leaves them, and so does kpx's. */
const KUBELET_CHAINS = /KUBE-(FIREWALL|KUBELET-CANARY|IPTABLES-HINT|MARK-DROP)\b/;

interface NodeState {
  /** Every KUBE-* chain or rule line in any backend and family, the kubelet's aside, tagged with its tool. */
  readonly kubeLines: readonly string[];
  readonly iptables: string;
  /** `nft list tables` lines. */
  readonly nftTables: readonly string[];
  readonly links: string;
}

async function readNode(exec: Exec): Promise<NodeState> {
  let iptables = '';
  const kubeLines: string[] = [];
  for (const tool of SAVE_TOOLS) {
    const text = (await execOk(exec, { file: tool, args: [] })).stdout;
    iptables += text;
    for (const line of text.split('\n')) if (/KUBE-/.test(line) && !KUBELET_CHAINS.test(line)) kubeLines.push(`${tool}: ${line}`);
  }
  const nftTables = (await execOk(exec, { file: 'nft', args: ['list', 'tables'] })).stdout.split('\n').filter((line) => line !== '');
  const links = (await execOk(exec, { file: 'ip', args: ['-o', 'link'] })).stdout;
  return { kubeLines, iptables, nftTables, links };
}

/** Nothing of any mode: no KUBE-* chain or jump, no kube-proxy/kpx table, no kpx-svc0 or kube-ipvs0. */
function expectNothingOfAnyMode(state: NodeState): void {
  expect(state.kubeLines).toEqual([]);
  expect(state.nftTables.filter((line) => /\b(kube-proxy|kpx)$/.test(line))).toEqual([]);
  expect(state.links).not.toMatch(/\b(kpx-svc0|kube-ipvs0)\b/);
}

describeAsRoot('switching modes and --cleanup', () => {
  let cluster: EchoCluster;
  let exec: Exec;
  let netns: string;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    cluster = await startEchoCluster('kpxm');
    netns = cluster.topology.node.netns;
    exec = cluster.topology.execIn(netns);
  });

  afterEach(async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    daemon = undefined;
  });

  afterAll(async () => {
    await cluster?.api.stop();
    await cluster?.topology.teardown();
  });

  const startKpx = async (mode: string, extra: readonly string[] = []): Promise<DaemonProcess> => {
    daemon = spawnKpxRun([
      '--master',
      cluster.api.url,
      '--hostname-override',
      'node',
      '--netns',
      netns,
      '--cluster-cidr',
      CLUSTER_CIDR,
      '--proxy-mode',
      mode,
      '--healthz-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--metrics-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--iptables-min-sync-period',
      '100ms',
      '--iptables-sync-period',
      '30s',
      ...extra,
    ]);
    await daemon.waitForLog(isSync, { timeoutMs: 20_000 });
    return daemon;
  };

  const stopKpx = async (): Promise<void> => {
    daemon?.kill('SIGTERM');
    expect((await daemon?.exited)?.code).toBe(0);
    daemon = undefined;
  };

  const cleanup = async (extra: readonly string[] = []): Promise<void> => {
    const run = spawnKpxRun(['--cleanup', '--netns', netns, ...extra]);
    const exit = await run.exited;
    expect(exit.code, run.text()).toBe(0);
  };

  const reachesWeb = async (): Promise<void> => {
    const attempts = await cluster.topology.probe(cluster.pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 30 });
    expect(new Set(attempts.map((attempt) => attempt.reply?.split(' ')[0] ?? attempt.error))).toEqual(new Set(['pod-a', 'pod-b', 'pod-c']));
  };

  const nft = (script: string): Promise<unknown> => execOk(exec, { file: 'nft', args: ['-f', '-'], stdin: script });
  const restore = (tool: string, payload: string): Promise<unknown> => execOk(exec, { file: tool, args: ['--noflush'], stdin: payload });

  describe('takeover', () => {
    it('iptables → nftables leaves no KUBE-* chain or jump in either backend, and the ClusterIP carries traffic', async () => {
      await startKpx('iptables');
      expect((await readNode(exec)).kubeLines.some((line) => line.includes(':KUBE-SERVICES'))).toBe(true);
      await stopKpx();
      const kpx = await startKpx('nftables');
      expect(kpx.logs.some((line) => line.msg === 'leftovers removed' && line['leftoversOf'] === 'iptables')).toBe(true);
      const state = await readNode(exec);
      expect(state.kubeLines).toEqual([]);
      expect(state.nftTables).toContain('table ip kube-proxy');
      await reachesWeb();
      await stopKpx();
    });

    it('nftables → iptables leaves no kube-proxy table, and the ClusterIP carries traffic', async () => {
      await startKpx('nftables');
      expect((await readNode(exec)).nftTables).toContain('table ip kube-proxy');
      await stopKpx();
      await startKpx('iptables');
      const state = await readNode(exec);
      expect(state.nftTables.filter((line) => line.endsWith('kube-proxy'))).toEqual([]);
      expect(state.kubeLines.some((line) => line.includes(':KUBE-SERVICES'))).toBe(true);
      await reachesWeb();
      await stopKpx();
    });
  });

  describe('--cleanup', () => {
    beforeAll(async () => {
      // Another program's rule and table, which no cleanup may touch.
      await restore('iptables-nft-restore', '*filter\n-A INPUT -p tcp --dport 9999 -m comment --comment foreign -j ACCEPT\nCOMMIT\n');
      await nft('table inet foreign {\n chain input { type filter hook input priority 10; tcp dport 9998 accept; }\n}\n');
    });

    it.each(['iptables', 'nftables', 'userspace'])('after %s leaves nothing of any mode, in any backend or family', async (mode) => {
      // An old kube-proxy's IPv6 leftovers in the legacy backend, and its nftables tables.
      await restore(
        'ip6tables-legacy-restore',
        '*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\nCOMMIT\n',
      );
      await nft('add table ip6 kube-proxy\n');
      await startKpx(mode);
      if (mode === 'userspace') expect((await readNode(exec)).links).toMatch(/\bkpx-svc0\b/);
      await stopKpx();
      await cleanup();
      const state = await readNode(exec);
      expectNothingOfAnyMode(state);
      expect(state.iptables).toContain('--comment foreign -j ACCEPT');
      expect(state.nftTables).toContain('table inet foreign');
    });
  });

  describe('beside kube-proxy (--service-proxy-name kpx)', () => {
    it("touches nothing of kube-proxy's, at start or in --cleanup", async () => {
      await cleanup();
      await nft('table ip kube-proxy {\n chain services { }\n}\n');
      await restore(
        'iptables-nft-restore',
        '*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\nCOMMIT\n',
      );
      const before = await readNode(exec);
      const kpx = await startKpx('nftables', ['--service-proxy-name', 'kpx']);
      expect(kpx.logs.some((line) => line.msg === 'leftovers removed')).toBe(false);
      const running = await readNode(exec);
      expect(running.nftTables).toEqual(expect.arrayContaining(['table ip kube-proxy', 'table ip kpx']));
      expect(running.kubeLines).toEqual(before.kubeLines);
      await stopKpx();
      await cleanup(['--proxy-mode', 'nftables', '--service-proxy-name', 'kpx']);
      const after = await readNode(exec);
      expect(after.nftTables).not.toContain('table ip kpx');
      expect(after.nftTables).toContain('table ip kube-proxy');
      expect((await execOk(exec, { file: 'nft', args: ['list', 'table', 'ip', 'kube-proxy'] })).stdout).toContain('chain services');
      expect(after.kubeLines).toEqual(before.kubeLines);
    });
  });
});
