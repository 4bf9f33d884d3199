// `kpx run --proxy-mode userspace --netns NODE` serving IPv4 and IPv6 at once on the namespace
// topology with IPv6 (test/helpers/dual-stack-topology.ts): kpx's own sockets carry a
// dual-stack Service on both of its ClusterIPs and IPv6 TCP and UDP; both families' service
// addresses live on one kpx-svc0, and one family's sync never takes the other family's
// addresses off it. Needs root and iproute2.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer } from '@kpx/apiserver/server.ts';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { SERVICE_INTERFACE } from '@kpx/agent/modes/userspace/service-interface.ts';
import { makeService } from '../helpers/k8s-builders.ts';
import { ECHO_PORT, echoService } from '../helpers/topology-objects.ts';
import { buildTopology, countByPod, uniquePrefix, type Topology, type TopologyPod } from '../helpers/topology.ts';
import { addIPv6, type DualStackAddresses } from '../helpers/dual-stack-topology.ts';
import { dualStackNode, dualStackRunArgs, familySlice, synced, v6Service, waitForBothFamilies } from '../helpers/dual-stack-objects.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, type DaemonProcess } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const WEB_V4 = '10.96.0.10';
const WEB_V6 = 'fd00:10:96::10';
const DNS_V6 = 'fd00:10:96::53';
const EXTRA_V4 = '10.96.0.77';
const EXTRA_V6 = 'fd00:10:96::77';

describeAsRoot('kpx run --proxy-mode userspace --netns serving IPv4 and IPv6 at once', () => {
  let topology: Topology;
  let v6: DualStackAddresses;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let daemon: DaemonProcess;
  let pods: readonly TopologyPod[];

  const serviceAddresses = async (): Promise<string[]> => {
    const shown = await execOk(topology.execIn(topology.node.netns), { file: 'ip', args: ['-o', 'addr', 'show', 'dev', SERVICE_INTERFACE] });
    return [...shown.stdout.matchAll(/\binet6? ([0-9a-f.:]+\/\d+)/g)].map((match) => match[1] ?? '').sort();
  };

  beforeAll(async () => {
    topology = await buildTopology(uniquePrefix('kpx6u'));
    v6 = await addIPv6(realExec, topology);
    pods = topology.pods;
    await topology.startEchoServers([ECHO_PORT], { ipv6: true });
    api = await startApiServer();
    await api.create(dualStackNode(topology, v6));
    await api.create(
      makeService('ns1', 'web', (svc) => {
        svc.spec.clusterIP = WEB_V4;
        svc.spec.clusterIPs = [WEB_V4, WEB_V6];
        svc.spec.ipFamilies = ['IPv4', 'IPv6'];
        svc.spec['ipFamilyPolicy'] = 'RequireDualStack';
        svc.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP', targetPort: ECHO_PORT }];
      }),
    );
    await api.create(familySlice('web', 'IPv4', 'TCP', pods, v6));
    await api.create(familySlice('web', 'IPv6', 'TCP', pods, v6));
    await api.create(v6Service('dns6', DNS_V6, 'UDP', 53));
    await api.create(
      familySlice(
        'dns6',
        'IPv6',
        'UDP',
        pods.filter((pod) => pod.name === 'pod-b'),
        v6,
      ),
    );
    const servers = { healthz: `127.0.0.1:${await freePort()}`, metrics: `127.0.0.1:${await freePort()}` };
    daemon = spawnKpxRun([
      ...dualStackRunArgs(api.url, 'userspace', topology, servers),
      '--iptables-min-sync-period',
      '100ms',
      '--iptables-sync-period',
      '30s',
    ]);
    await waitForBothFamilies(daemon);
  });

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await daemon?.exited;
    await api?.stop();
    await topology?.teardown();
  });

  it('answers a dual-stack Service on both ClusterIPs, and IPv6 UDP, through its own sockets', async () => {
    const client = pods[0]!.netns;
    const overV4 = countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V4, port: 80, count: 45 }));
    const overV6 = countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V6, port: 80, count: 45 }));
    expect(Object.keys(overV4).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(Object.keys(overV6).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(countByPod(await topology.probe(client, { proto: 'udp', host: DNS_V6, port: 53, count: 5 }))).toEqual({ 'pod-b': 5 });
  });

  it('keeps each family’s addresses on kpx-svc0 through the other family’s syncs', async () => {
    expect(await serviceAddresses()).toEqual([`${WEB_V4}/32`, `${DNS_V6}/128`, `${WEB_V6}/128`].sort());
    // An IPv4-only change: the IPv4 sync adds its address and must leave the IPv6 ones.
    let from = daemon.logs.length;
    await api.create(echoService('extra4', EXTRA_V4, 'TCP', 80));
    await api.create(familySlice('extra4', 'IPv4', 'TCP', pods, v6));
    await daemon.waitForLog((line) => synced('IPv4')(line) && line['changed'] === 1, { from });
    expect(await serviceAddresses()).toEqual([`${WEB_V4}/32`, `${EXTRA_V4}/32`, `${DNS_V6}/128`, `${WEB_V6}/128`].sort());
    // And an IPv6-only one the other way round.
    from = daemon.logs.length;
    await api.create(v6Service('extra6', EXTRA_V6, 'TCP', 80));
    await api.create(familySlice('extra6', 'IPv6', 'TCP', pods, v6));
    await daemon.waitForLog((line) => synced('IPv6')(line) && line['changed'] === 1, { from });
    expect(await serviceAddresses()).toEqual([`${WEB_V4}/32`, `${EXTRA_V4}/32`, `${DNS_V6}/128`, `${EXTRA_V6}/128`, `${WEB_V6}/128`].sort());
    // Removing the IPv4 service removes its address only.
    from = daemon.logs.length;
    await api.remove('Service', 'ns1', 'extra4');
    await daemon.waitForLog((line) => synced('IPv4')(line) && line['deleted'] === 1, { from });
    expect(await serviceAddresses()).toEqual([`${WEB_V4}/32`, `${DNS_V6}/128`, `${EXTRA_V6}/128`, `${WEB_V6}/128`].sort());
    const client = pods[0]!.netns;
    expect(Object.keys(countByPod(await topology.probe(client, { proto: 'tcp', host: EXTRA_V6, port: 80, count: 30 }))).sort()).toEqual([
      'pod-a',
      'pod-b',
      'pod-c',
    ]);
    expect(Object.keys(countByPod(await topology.probe(client, { proto: 'tcp', host: WEB_V4, port: 80, count: 30 }))).sort()).toEqual([
      'pod-a',
      'pod-b',
      'pod-c',
    ]);
  });
});
