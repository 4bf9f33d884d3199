// Real traffic through `kpx run`, in iptables and in nftables mode: the daemon programs the
// topology's node namespace (test/helpers/topology.ts) from the embedded API server, and a client
// in a pod namespace reaches a ClusterIP service backed by the pods' echo servers. An endpoint
// removed through the API gets no new connection after the one sync that follows; a UDP client
// that keeps its source port follows a replaced endpoint (its conntrack entry to the old one
// deleted). Needs root, iproute2, iptables, nft and conntrack.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execOk } from '@kpx/agent/sys/exec.ts';
import { DNS_IP, startEchoCluster, WEB_IP, type EchoCluster } from '../helpers/echo-cluster.ts';
import { ECHO_PORT, echoSlice } from '../helpers/topology-objects.ts';
import { CLUSTER_CIDR, type Topology } from '../helpers/topology.ts';
import { spawnKpxRun, startProber, waitForSample, type DaemonProcess } from '../daemon/run-daemon-process.ts';
import { IPTABLES_NFT, isAppliedSync as isSync, NFTABLES, nodeDaemonArgs, plantBackendHint } from '../daemon/proxy-mode-cases.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

describeAsRoot.each([IPTABLES_NFT, NFTABLES])('kpx run carrying traffic in a namespace topology ($label)', (modeCase) => {
  let topology: Topology;
  let api: EchoCluster['api'];
  let daemon: DaemonProcess;
  let pods: EchoCluster['pods'];

  beforeAll(async () => {
    ({ topology, api, pods } = await startEchoCluster('kpxt'));
    await plantBackendHint(topology.execIn(topology.node.netns), modeCase);
    daemon = spawnKpxRun(await nodeDaemonArgs(api.url, topology.node.netns, modeCase, CLUSTER_CIDR));
    await daemon.waitForLog(isSync);
  });

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    await api?.stop();
    await topology?.teardown();
  });

  it('reaches every endpoint of a ClusterIP service from a pod, and none that was removed', async () => {
    const before = await topology.probe(pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 60 });
    const seen = new Set(before.map((attempt) => attempt.reply?.split(' ')[0]));
    expect(seen).toEqual(new Set(['pod-a', 'pod-b', 'pod-c']));

    const from = daemon.logs.length;
    await api.update(echoSlice('web', 'TCP', [pods.a, pods.b]));
    await daemon.waitForLog((line) => isSync(line) && line['full'] === false, { from });
    const after = await topology.probe(pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 60 });
    const replies = after.map((attempt) => attempt.reply?.split(' ')[0] ?? attempt.error);
    expect(replies).not.toContain('pod-c');
    expect(new Set(replies)).toEqual(new Set(['pod-a', 'pod-b']));
  });

  it('moves traffic soon after each API change (a continuous prober sees the new endpoint)', async () => {
    const prober = startProber(pods.a.netns, ['--proto', 'tcp', '--host', WEB_IP, '--port', '80', '--interval-ms', '5']);
    try {
      const delays: number[] = [];
      for (const target of [pods.c, pods.b, pods.c, pods.b]) {
        const changedAt = Date.now();
        await api.update(echoSlice('web', 'TCP', [target]));
        const first = await waitForSample(prober, changedAt, (sample) => sample.pod === target.name, 5_000);
        delays.push(first.t - changedAt);
        // Once moved, nothing reaches the previous endpoint any more.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const settled = prober.samples.filter((sample) => sample.t > first.t + 50);
        expect(settled.length).toBeGreaterThan(0);
        expect(settled.every((sample) => sample.pod === target.name)).toBe(true);
      }
      // The figure itself (p50 over many changes) comes from bench/sync/api-to-traffic.bench.ts.
      expect(delays.every((delay) => delay < 5_000)).toBe(true);
    } finally {
      await prober.stop();
    }
  });

  it('sends a UDP client that keeps its source port to the replacement endpoint (stale conntrack cleared)', async () => {
    const prober = startProber(pods.a.netns, ['--proto', 'udp', '--host', DNS_IP, '--port', '53', '--source-port', '40053', '--interval-ms', '20']);
    try {
      await waitForSample(prober, 0, (sample) => sample.pod === 'pod-b', 5_000);
      const from = daemon.logs.length;
      const replacedAt = Date.now();
      await api.update(echoSlice('dns', 'UDP', [pods.c]));
      const sync = await daemon.waitForLog((line) => isSync(line) && line['changed'] === 1, { from });
      expect(sync['conntrackDeleted']).toBeGreaterThanOrEqual(1);
      // The flow to the old endpoint is gone: no entry to pod b survives the sync.
      const entries = await execOk(topology.execIn(topology.node.netns), { file: 'conntrack', args: ['-L', '-p', 'udp', '--reply-src', pods.b.ip] });
      expect(entries.stdout.split('\n').filter((line) => line.includes(`sport=${ECHO_PORT}`))).toEqual([]);
      const first = await waitForSample(prober, replacedAt, (sample) => sample.pod === 'pod-c', 3_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const later = prober.samples.filter((sample) => sample.t > first.t + 50 && sample.pod !== undefined);
      expect(later.length).toBeGreaterThan(3);
      expect(later.every((sample) => sample.pod === 'pod-c')).toBe(true);
    } finally {
      await prober.stop();
    }
  });
});
