// NodePorts answer on every local address of the node, not only its primary (the Node
// object's) IP: the node namespace gets secondary addresses on its node-network interface,
// and a client outside reaches the NodePort on one of them. iptables with --nodeport-addresses
// matches the interface addresses inside the CIDR (and not one outside it); without it, every
// local address (and, with nfacct, counts the localhost node-port packets); userspace, with
// none given, listens on every local address. Needs root, iproute2 and iptables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { parsePrometheusText, sampleValue } from '../daemon/prometheus-text.ts';
import { DNS_IP, startEchoCluster, type EchoCluster } from '../helpers/echo-cluster.ts';
import { makeService } from '../helpers/k8s-builders.ts';
import { ECHO_PORT, echoSlice } from '../helpers/topology-objects.ts';
import { CLUSTER_CIDR, countByPod, type Topology } from '../helpers/topology.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();
const hasNfacct = (await realExec({ file: 'nfacct', args: ['version'] }).catch(() => undefined))?.exitCode === 0;
const isSync = (line: LogLine): boolean => line.msg === 'sync done' && line['applied'] === true;
const NODE_PORT = 30080;
/** Inside 10.250.0.8/29 with the node IP (10.250.0.10); the second one outside it. */
const SECONDARY = '10.250.0.11';
const OUTSIDE = '10.250.0.30';

const cases = [
  { mode: 'iptables', flags: ['--nodeport-addresses', '10.250.0.8/29'], answersOutside: false },
  { mode: 'iptables', flags: [], answersOutside: true },
  { mode: 'userspace', flags: [], answersOutside: true },
] as const;

describe.each(cases)('NodePort on a secondary node address ($mode $flags)', ({ mode, flags, answersOutside }) => {
  describeAsRoot(`kpx run --proxy-mode ${mode} ${flags.join(' ')}`, () => {
    let topology: Topology;
    let api: EchoCluster['api'];
    let daemon: DaemonProcess;
    let metricsPort: number;

    beforeAll(async () => {
      let pods: EchoCluster['pods'];
      ({ topology, api, pods } = await startEchoCluster(mode === 'userspace' ? 'kpxnu' : flags.length > 0 ? 'kpxni' : 'kpxna'));
      const nodeExec = topology.execIn(topology.node.netns);
      for (const address of [SECONDARY, OUTSIDE]) await execOk(nodeExec, { file: 'ip', args: ['addr', 'add', `${address}/24`, 'dev', 'eth0'] });
      // The dns service (pod b) becomes a TCP NodePort service.
      await api.update(
        makeService('ns1', 'dns', (svc) => {
          svc.spec.type = 'NodePort';
          svc.spec.clusterIP = DNS_IP;
          svc.spec.clusterIPs = [DNS_IP];
          svc.spec.ports = [{ name: 'p', port: 53, protocol: 'TCP', targetPort: ECHO_PORT, nodePort: NODE_PORT }];
        }),
      );
      await api.update(echoSlice('dns', 'TCP', [pods.b]));
      metricsPort = await freePort();
      daemon = spawnKpxRun([
        '--master',
        api.url,
        '--hostname-override',
        'node',
        '--proxy-mode',
        mode,
        '--netns',
        topology.node.netns,
        '--cluster-cidr',
        CLUSTER_CIDR,
        '--healthz-bind-address',
        `127.0.0.1:${await freePort()}`,
        '--metrics-bind-address',
        `127.0.0.1:${metricsPort}`,
        '--iptables-min-sync-period',
        '100ms',
        '--iptables-sync-period',
        '30s',
        ...flags,
      ]);
      await daemon.waitForLog(isSync);
    });

    afterAll(async () => {
      daemon?.kill('SIGKILL');
      await daemon?.exited;
      await api?.stop();
      await topology?.teardown();
    });

    it("answers on the Node object's IP and on the secondary address", async () => {
      for (const host of [topology.node.ip, SECONDARY]) {
        const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host, port: NODE_PORT, count: 5 });
        expect(countByPod(attempts), host).toEqual({ 'pod-b': 5 });
      }
    });

    it(
      answersOutside ? 'answers on every local address when no CIDR is given' : 'does not answer on a local address outside --nodeport-addresses',
      async () => {
        const attempts = await topology.probe(topology.client.netns, { proto: 'tcp', host: OUTSIDE, port: NODE_PORT, count: 3 });
        if (answersOutside) expect(countByPod(attempts)).toEqual({ 'pod-b': 3 });
        else expect(attempts.every((attempt) => attempt.reply === undefined)).toBe(true);
      },
    );

    it.runIf(mode === 'iptables' && flags.length === 0 && hasNfacct)('counts localhost node-port packets with nfacct, shown in /metrics', async () => {
      const counted = async (): Promise<number | undefined> =>
        sampleValue(
          parsePrometheusText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
          'kubeproxy_iptables_localhost_nodeports_accepted_packets_total',
        );
      const before = await counted();
      expect(before).toBeDefined();
      const attempts = await topology.probe(topology.node.netns, { proto: 'tcp', host: '127.0.0.1', port: NODE_PORT, count: 2 });
      expect(countByPod(attempts)).toEqual({ 'pod-b': 2 });
      expect(await counted()).toBeGreaterThanOrEqual((before ?? 0) + 2);
    });
  });
});
