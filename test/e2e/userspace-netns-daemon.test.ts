// `kpx run --proxy-mode userspace --netns NODE` as a real process against the embedded API
// server: the daemon stays on the host, its userspace dataplane runs in an agent inside the
// topology's node namespace (test/helpers/topology.ts), and a pod reaches ClusterIP services
// over TCP and UDP through it. An endpoint removed through the API gets no new connection.
// SIGTERM stops the agent with the daemon; so does a daemon killed outright (stdin closes).
// Needs root and iproute2.
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NETNS_AGENT_PATH } from '@kpx/agent/modes/userspace/remote-dataplane.ts';
import { DNS_IP, startEchoCluster, WEB_IP, type EchoCluster } from '../helpers/echo-cluster.ts';
import { echoSlice } from '../helpers/topology-objects.ts';
import { CLUSTER_CIDR, type Topology } from '../helpers/topology.ts';
import { freePort } from '../daemon/free-port.ts';
import { spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const isSync = (line: LogLine): boolean => line.msg === 'sync done' && line['applied'] === true;

/** Pids of processes whose parent is `parent` and whose command line runs the netns agent. */
async function agentChildren(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === parent && cmdline.split('\0').includes(NETNS_AGENT_PATH)) pids.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}

async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !(await isAlive(pid));
}

describeAsRoot('kpx run --proxy-mode userspace --netns', () => {
  let topology: Topology;
  let api: EchoCluster['api'];
  const daemons: DaemonProcess[] = [];
  let pods: EchoCluster['pods'];

  async function startDaemon(): Promise<{ daemon: DaemonProcess; agent: number }> {
    const daemon = spawnKpxRun([
      '--master',
      api.url,
      '--hostname-override',
      'node',
      '--proxy-mode',
      'userspace',
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
      '--udp-timeout',
      '1500ms',
      '--userspace-tcp-idle-timeout',
      '30s',
    ]);
    daemons.push(daemon);
    await daemon.waitForLog(isSync);
    const agents = await agentChildren(daemon.child.pid ?? -1);
    expect(agents).toHaveLength(1);
    return { daemon, agent: agents[0] ?? -1 };
  }

  beforeAll(async () => {
    ({ topology, api, pods } = await startEchoCluster('kpxu'));
  });

  afterAll(async () => {
    for (const daemon of daemons) {
      daemon.kill('SIGKILL');
      await daemon.exited;
    }
    await api?.stop();
    await topology?.teardown();
  });

  it('carries TCP and UDP from a pod, follows an endpoint removal, and stops its agent on SIGTERM', async () => {
    const { daemon, agent } = await startDaemon();
    // --udp-timeout and --userspace-tcp-idle-timeout reach the agent that owns the sessions in the namespace.
    const agentArgv = (await readFile(`/proc/${agent}/cmdline`, 'utf8')).split('\0');
    expect(JSON.parse(agentArgv[agentArgv.indexOf(NETNS_AGENT_PATH) + 1] ?? '{}')).toEqual({ udpIdleTimeoutMs: 1500, tcpIdleTimeoutMs: 30_000 });

    const tcp = await topology.probe(pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 60 });
    expect(new Set(tcp.map((attempt) => attempt.reply?.split(' ')[0] ?? attempt.error))).toEqual(new Set(['pod-a', 'pod-b', 'pod-c']));
    const udp = await topology.probe(pods.a.netns, { proto: 'udp', host: DNS_IP, port: 53, count: 5 });
    expect(udp.map((attempt) => attempt.reply?.split(' ')[0] ?? attempt.error)).toEqual(Array(5).fill('pod-b'));

    const from = daemon.logs.length;
    await api.update(echoSlice('web', 'TCP', [pods.a, pods.b]));
    await daemon.waitForLog(isSync, { from });
    const after = await topology.probe(pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 60 });
    expect(new Set(after.map((attempt) => attempt.reply?.split(' ')[0] ?? attempt.error))).toEqual(new Set(['pod-a', 'pod-b']));

    daemon.kill('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilGone(agent, 2_000)).toBe(true);
    // The listeners went with the agent: nothing answers on the service any more.
    const stopped = await topology.probe(pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 3, timeoutMs: 500 });
    expect(stopped.every((attempt) => attempt.reply === undefined)).toBe(true);
  });

  it('starts a killed agent again by itself and serves the services again, with no API change', async () => {
    const { daemon, agent } = await startDaemon();
    process.kill(agent, 'SIGKILL');
    expect(await waitUntilGone(agent, 2_000)).toBe(true);
    await expect.poll(async () => (await agentChildren(daemon.child.pid ?? -1)).length, { timeout: 10_000 }).toBe(1);
    const answered = async (): Promise<string[]> => {
      const attempts = await topology.probe(pods.a.netns, { proto: 'tcp', host: WEB_IP, port: 80, count: 20, timeoutMs: 500 });
      return [...new Set(attempts.map((attempt) => attempt.reply?.split(' ')[0] ?? 'no answer'))].sort();
    };
    // web's endpoints as the first test left them.
    await expect.poll(answered, { timeout: 10_000, interval: 200 }).toEqual(['pod-a', 'pod-b']);
    expect(daemon.child.exitCode).toBeNull();
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
  });

  it('leaves no agent behind when the daemon is killed outright (the agent sees its stdin close)', async () => {
    const { daemon, agent } = await startDaemon();
    daemon.kill('SIGKILL');
    await daemon.exited;
    expect(await waitUntilGone(agent, 5_000)).toBe(true);
  });
});
