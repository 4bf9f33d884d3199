// Dual-stack through the real `kpx run`: the namespace topology with IPv6 beside IPv4
// (test/helpers/dual-stack-topology.ts), a Node with an InternalIP of each family, and one
// daemon serving both families (iptables on the nft backend, and nftables). A dual-stack
// Service answers on both of its ClusterIPs from one pod; ClusterIP TCP and UDP, NodePort
// from outside and a service without endpoints work over IPv6; and when one family's
// apply fails (its restore tool made to fail through a PATH shim), the other family keeps
// syncing and carrying traffic, and the failing one recovers on its own retries.
// Needs root, iproute2, iptables (nft), nft and conntrack.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { makeService } from '../helpers/k8s-builders.ts';
import { dualStackNode, dualStackRunArgs, familySlice as slice, synced, v6Service, waitForBothFamilies } from '../helpers/dual-stack-objects.ts';
import { ECHO_PORT } from '../helpers/topology-objects.ts';
import { buildTopology, CLUSTER_CIDR, countByPod, uniquePrefix, type Topology, type TopologyPod } from '../helpers/topology.ts';
import { addIPv6, CLUSTER_CIDR_V6, type DualStackAddresses } from '../helpers/dual-stack-topology.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, type DaemonProcess } from '../daemon/run-daemon-process.ts';
import { runCli } from '../helpers/render-cli.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const WEB_V4 = '10.96.0.10';
const WEB_V6 = 'fd00:10:96::10';
const DNS_V6 = 'fd00:10:96::53';
const EMPTY_V6 = 'fd00:10:96::30';
const NODE_PORT = 30080;

function webService(): RawObject {
  return makeService('ns1', 'web', (svc) => {
    svc.spec.type = 'NodePort';
    svc.spec.clusterIP = WEB_V4;
    svc.spec.clusterIPs = [WEB_V4, WEB_V6];
    svc.spec.ipFamilies = ['IPv4', 'IPv6'];
    svc.spec['ipFamilyPolicy'] = 'RequireDualStack';
    svc.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP', targetPort: ECHO_PORT, nodePort: NODE_PORT }];
  });
}

/** A PATH directory whose `tool` fails while `marker` exists (only for input naming `when`), else runs the real one. */
function failingShim(directory: string, tool: string, marker: string, when: string): void {
  const script = `#!/bin/sh
if [ -e ${marker} ]; then
  input=$(cat)
  case "$input" in *"${when}"*) echo "kpx test: injected ${tool} failure" >&2; exit 1;; esac
  printf '%s\\n' "$input" | exec /usr/sbin/${tool} "$@"
fi
exec /usr/sbin/${tool} "$@"
`;
  writeFileSync(join(directory, tool), script);
  chmodSync(join(directory, tool), 0o755);
}

const MODES = [
  // iptables on the nft backend: the IPv6 restore is ip6tables-nft-restore, failing on any input.
  { mode: 'iptables', tool: 'ip6tables-nft-restore', when: '', extra: ['--iptables-min-sync-period', '100ms', '--iptables-sync-period', '30s'] },
  // nftables: one nft for both families; the shim fails only the ip6 table's transactions.
  { mode: 'nftables', tool: 'nft', when: ' ip6 ', extra: [] },
] as const;

for (const { mode, tool, when, extra } of MODES) {
  describeAsRoot(`kpx run --proxy-mode ${mode} serving IPv4 and IPv6 at once`, () => {
    let topology: Topology;
    let v6: DualStackAddresses;
    let api: Awaited<ReturnType<typeof startApiServer>>;
    let daemon: DaemonProcess;
    let healthz: string;
    let shimDirectory: string;
    let marker: string;
    let pods: readonly TopologyPod[];

    beforeAll(async () => {
      topology = await buildTopology(uniquePrefix(mode === 'iptables' ? 'kpx6i' : 'kpx6n'));
      v6 = await addIPv6(realExec, topology);
      pods = topology.pods;
      await topology.startEchoServers([ECHO_PORT], { ipv6: true });
      api = await startApiServer();
      await api.create(dualStackNode(topology, v6));
      await api.create(webService());
      await api.create(slice('web', 'IPv4', 'TCP', pods, v6));
      await api.create(slice('web', 'IPv6', 'TCP', pods, v6));
      await api.create(v6Service('dns6', DNS_V6, 'UDP', 53));
      await api.create(
        slice(
          'dns6',
          'IPv6',
          'UDP',
          pods.filter((pod) => pod.name === 'pod-b'),
          v6,
        ),
      );
      await api.create(v6Service('empty6', EMPTY_V6, 'TCP', 80));
      shimDirectory = mkdtempSync(join(tmpdir(), 'kpx-dual-shim-'));
      marker = join(shimDirectory, 'fail');
      failingShim(shimDirectory, tool, marker, when);
      const healthzAddress = `127.0.0.1:${await freePort()}`;
      healthz = `http://${healthzAddress}/healthz`;
      const servers = { healthz: healthzAddress, metrics: `127.0.0.1:${await freePort()}` };
      daemon = spawnKpxRun([...dualStackRunArgs(api.url, mode, topology, servers), ...extra], {
        PATH: `${shimDirectory}:${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`,
      });
      await waitForBothFamilies(daemon);
    });

    afterAll(async () => {
      daemon?.kill('SIGKILL');
      await daemon?.exited;
      await api?.stop();
      await topology?.teardown();
      if (shimDirectory !== undefined) rmSync(shimDirectory, { recursive: true, force: true });
    });

    it('starts one proxier per family and lists both in the healthz status', async () => {
      const started = daemon.logs.find((line) => line.msg === 'proxier started');
      expect(started?.['ipFamilies']).toEqual(['IPv4', 'IPv6']);
      const body = (await (await fetch(healthz)).json()) as { status?: Record<string, { healthy: boolean }> };
      expect(Object.keys(body.status ?? {})).toEqual(['IPv4', 'IPv6']);
      expect(body.status?.['IPv6']?.healthy).toBe(true);
    });

    it('answers a dual-stack Service on both of its ClusterIPs from one pod', async () => {
      const client = pods[0]!.netns;
      const overV4 = countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V4, port: 80, count: 45 }));
      const overV6 = countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V6, port: 80, count: 45 }));
      expect(Object.keys(overV4).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
      expect(Object.keys(overV6).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    });

    it('carries UDP over IPv6 to a ClusterIP, and answers an IPv6 NodePort from outside', async () => {
      const udp = countByPod(await topology.probe(pods[0]!.netns, { proto: 'udp', host: DNS_V6, port: 53, count: 5 }));
      expect(udp).toEqual({ 'pod-b': 5 });
      const nodePort = countByPod(await topology.probe(topology.client.netns, { proto: 'tcp', host: v6.node, port: NODE_PORT, count: 45 }));
      expect(Object.keys(nodePort).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    });

    it('refuses an IPv6 service without endpoints instead of leaving it to time out', async () => {
      const attempts = await topology.probe(pods[0]!.netns, { proto: 'tcp', host: EMPTY_V6, port: 80, timeoutMs: 5_000, count: 3 });
      // Refused, never left to time out: the node REJECTs every SYN with an ICMPv6 port unreachable
      // (its counters show one per SYN). Seen here: the client's kernel acts on the one for the
      // SYN retransmitted after the 1 s initial RTO, so an attempt takes about 1 s, not 5.
      for (const attempt of attempts) {
        expect(attempt.error).toBe('ECONNREFUSED');
        expect(attempt.ms).toBeLessThan(2_500);
      }
    });

    it('explains a dual-stack Service in one section per family, each with what its family programmed', async () => {
      const explained = await runCli([
        'explain',
        'service',
        'ns1/web',
        '--mode',
        mode,
        '--netns',
        topology.node.netns,
        '--master',
        api.url,
        '--hostname-override',
        'node',
        '--cluster-cidr',
        `${CLUSTER_CIDR},${CLUSTER_CIDR_V6}`,
      ]);
      expect(explained.exitCode, explained.stderr).toBe(0);
      const [before, ipv4, ipv6] = explained.stdout.split(/^# (?:IPv4|IPv6)\n/m);
      expect(before).toBe('');
      expect(explained.stdout.indexOf('# IPv4\n')).toBeLessThan(explained.stdout.indexOf('# IPv6\n'));
      expect(ipv4).toContain(`clusterIP ${WEB_V4}:80`);
      expect(ipv6).toContain(`clusterIP ${WEB_V6}:80`);
      for (const pod of pods) {
        const [v4Only, v6Only] = [pod.ip, v6.pods.get(pod.name) ?? ''];
        // Each section lists its family's endpoints and the rules that family's dataplane holds for them.
        const programmedV4 = ipv4?.slice(ipv4.indexOf('programmed now')) ?? '';
        const programmedV6 = ipv6?.slice(ipv6.indexOf('programmed now')) ?? '';
        expect(programmedV4.split('conntrack entries')[0]).toContain(v4Only);
        expect(programmedV6.split('conntrack entries')[0]).toContain(v6Only);
        expect(ipv4).not.toContain(v6Only);
        expect(ipv6).not.toContain(`${v4Only}:`);
      }
    });

    it('keeps syncing IPv4 while IPv6 applies fail, and catches IPv6 up once they work again', async () => {
      const client = pods[0]!.netns;
      const only = pods.filter((pod) => pod.name === 'pod-a');
      writeFileSync(marker, '');
      const from = daemon.logs.length;
      await api.update(slice('web', 'IPv4', 'TCP', only, v6));
      await api.update(slice('web', 'IPv6', 'TCP', only, v6));
      await daemon.waitForLog((line) => line.msg === 'sync failed' && line['ipFamily'] === 'IPv6', { from });
      await daemon.waitForLog((line) => synced('IPv4')(line) && line['changed'] === 1, { from });
      // IPv4 follows the change; IPv6 keeps the rules it last applied (nothing rolled back, nothing half-applied).
      expect(countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V4, port: 80, count: 30 }))).toEqual({ 'pod-a': 30 });
      const stale = countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V6, port: 80, count: 45 }));
      expect(Object.keys(stale).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
      const failedAt = daemon.logs.length;
      rmSync(marker);
      await daemon.waitForLog(synced('IPv6'), { from: failedAt });
      expect(countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V6, port: 80, count: 30 }))).toEqual({ 'pod-a': 30 });
    });
  });
}
