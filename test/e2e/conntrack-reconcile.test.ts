// Stale UDP conntrack entries by reconciliation, across a kpx restart: a UDP client that
// keeps its source port has a flow DNATed to pod-b; kpx is killed, and while it is down the
// dns service's endpoint moves to pod-c. Nothing in the first sync's change set after the
// restart says pod-b went away (there is no previous state), yet the sync reads the table
// and deletes the flow, so the client reaches pod-c. Needs root, iproute2, iptables and conntrack.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { listConntrackFlows } from '@kpx/agent/sys/conntrack-flows.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { DNS_IP, startEchoCluster, type EchoCluster } from '../helpers/echo-cluster.ts';
import { echoSlice } from '../helpers/topology-objects.ts';
import { CLUSTER_CIDR, type Topology } from '../helpers/topology.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const isSync = (line: LogLine): boolean => line.msg === 'sync done' && line['applied'] === true;

describeAsRoot('stale UDP conntrack entries reconciled after a kpx restart', () => {
  let topology: Topology;
  let api: EchoCluster['api'];
  let pods: EchoCluster['pods'];
  const daemons: DaemonProcess[] = [];

  const startDaemon = async (): Promise<DaemonProcess> => {
    const daemon = spawnKpxRun([
      '--master',
      api.url,
      '--hostname-override',
      'node',
      '--netns',
      topology.node.netns,
      '--cluster-cidr',
      CLUSTER_CIDR,
      '--healthz-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--metrics-bind-address',
      `127.0.0.1:${await freePort()}`,
      '--iptables-min-sync-period',
      '100ms',
      '--iptables-sync-period',
      '30s',
    ]);
    daemons.push(daemon);
    return daemon;
  };

  beforeAll(async () => {
    ({ topology, api, pods } = await startEchoCluster('kpxr'));
  });

  afterAll(async () => {
    for (const daemon of daemons) {
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
    await api?.stop();
    await topology?.teardown();
  });

  it('deletes, in the first sync after the restart, the flow to an endpoint removed while kpx was down, and only that one', async () => {
    const nodeExec = execInNetns(realExec, topology.node.netns);
    const podOf = async (sourcePort: number): Promise<string | undefined> => {
      const [attempt] = await topology.probe(pods.a.netns, { proto: 'udp', host: DNS_IP, port: 53, sourcePort });
      return attempt?.reply?.split(' ')[0];
    };
    const first = await startDaemon();
    await first.waitForLog(isSync);
    // Flow X goes to pod-b (the only endpoint); then, with pod-c added, a flow Y lands on pod-c.
    expect(await podOf(40054)).toBe('pod-b');
    let from = first.logs.length;
    await api.update(echoSlice('dns', 'UDP', [pods.b, pods.c]));
    await first.waitForLog((line) => isSync(line) && line['changed'] === 1, { from });
    let toPodC: number | undefined;
    for (let port = 40060; port < 40100 && toPodC === undefined; port += 1) {
      if ((await podOf(port)) === 'pod-c') toPodC = port;
    }
    expect(toPodC).toBeDefined();
    first.kill('SIGKILL');
    await first.exited;
    const flowsTo = async (ip: string) => (await listConntrackFlows(nodeExec, 'UDP', 'IPv4')).filter((flow) => flow.origDst === DNS_IP && flow.replySrc === ip);
    // X, and any probe on the way to Y that landed on pod-b: all of them are stale after the move.
    const stale = (await flowsTo(pods.b.ip)).length;
    expect(stale).toBeGreaterThanOrEqual(1);

    await api.update(echoSlice('dns', 'UDP', [pods.c]));
    const second = await startDaemon();
    from = 0;
    const sync = await second.waitForLog(isSync, { from });
    expect(sync['conntrackDeleted']).toBe(stale);
    expect(await flowsTo(pods.b.ip)).toEqual([]);
    expect((await flowsTo(pods.c.ip)).length).toBeGreaterThanOrEqual(1);
    expect(await podOf(40054)).toBe('pod-c');
  });
});
