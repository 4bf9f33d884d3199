// Inside the kernel VM: one real `kpx run --proxy-mode ipvs` serving IPv4 and IPv6 at once in a
// "node" namespace (ipvs-topology.ts with IPv6), fed by the embedded API server: a dual-stack
// Service (TCP, ClusterIPs 10.96.0.10 and fd00:10:96::10) and an IPv6-only UDP Service, both
// backed by the two pods. Real TCP and UDP from the client namespace over both families, then
// what the kernel holds: ipvsadm-save, the ipset names, kube-ipvs0's IPv6 addresses.
// Prints one JSON object; ipvs-dual-stack.test.ts asserts on it.
import { startApiServer } from '@kpx/apiserver/server.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { execSysctl } from '@kpx/agent/sys/sysctl.ts';
import { spawnKpxRun, type DaemonProcess, type LogLine } from '../daemon/run-daemon-process.ts';
import { freePort } from '../daemon/free-port.ts';
import { makeEndpointSlice, makeNode, makeService } from '../helpers/k8s-builders.ts';
import { buildTopology, NODE_IP, NODE_IP6, POD_A_IP, POD_A_IP6, POD_B_IP, POD_B_IP6, sh, type Topology } from './ipvs-topology.ts';

const WEB_V4 = '10.96.0.10';
const WEB_V6 = 'fd00:10:96::10';
const DNS_V6 = 'fd00:10:96::53';

function service(name: string, clusterIPs: readonly string[], protocol: 'TCP' | 'UDP', port: number, targetPort: number): RawObject {
  return makeService('ns1', name, (svc) => {
    svc.spec.clusterIP = clusterIPs[0];
    svc.spec.clusterIPs = [...clusterIPs];
    svc.spec.ipFamilies = clusterIPs.map((address) => (address.includes(':') ? 'IPv6' : 'IPv4'));
    if (clusterIPs.length > 1) svc.spec['ipFamilyPolicy'] = 'RequireDualStack';
    svc.spec.ports = [{ name: 'p', port, protocol, targetPort }];
  });
}

function slice(name: string, service: string, family: 'IPv4' | 'IPv6', protocol: 'TCP' | 'UDP', port: number, addresses: readonly string[]): RawObject {
  return makeEndpointSlice('ns1', name, service, (s) => {
    s.addressType = family;
    s.endpoints = addresses.map((address) => ({ addresses: [address], nodeName: 'node', conditions: { ready: true } }));
    s.ports = [{ name: 'p', port, protocol }];
  });
}

const synced =
  (ipFamily: string) =>
  (line: LogLine): boolean =>
    line.msg === 'sync done' && line['applied'] === true && line['ipFamily'] === ipFamily;
const report: Record<string, unknown> = {};
let topology: Topology | undefined;
let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
let daemon: DaemonProcess | undefined;

async function main(): Promise<void> {
  topology = await buildTopology(`kpx6v${process.pid}`, { ipv6: true });
  // Forwarding is the node's (kubelet's, the CNI's) to set, not kube-proxy's; IPVS NAT needs it for the replies.
  await execSysctl(execInNetns(realExec, topology.nodeNs)).write('net.ipv6.conf.all.forwarding', '1');
  api = await startApiServer();
  await api.create(
    makeNode('node', (node) => {
      node.status.addresses = [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'InternalIP', address: NODE_IP6 },
      ];
    }),
  );
  await api.create(service('web', [WEB_V4, WEB_V6], 'TCP', 80, 8080));
  await api.create(slice('web-v4', 'web', 'IPv4', 'TCP', 8080, [POD_A_IP, POD_B_IP]));
  await api.create(slice('web-v6', 'web', 'IPv6', 'TCP', 8080, [POD_A_IP6, POD_B_IP6]));
  await api.create(service('dns6', [DNS_V6], 'UDP', 53, 5353));
  await api.create(slice('dns6-v6', 'dns6', 'IPv6', 'UDP', 5353, [POD_A_IP6, POD_B_IP6]));
  const started = performance.now();
  daemon = spawnKpxRun([
    '--master',
    api.url,
    '--hostname-override',
    'node',
    '--proxy-mode',
    'ipvs',
    '--netns',
    topology.nodeNs,
    '--cluster-cidr',
    '10.240.0.0/16,fd00:10:240::/48',
    '--ipvs-min-sync-period',
    '100ms',
    '--healthz-bind-address',
    `127.0.0.1:${await freePort()}`,
    '--metrics-bind-address',
    `127.0.0.1:${await freePort()}`,
  ]);
  await daemon.waitForLog(synced('IPv4'), { timeoutMs: 300_000 });
  await daemon.waitForLog(synced('IPv6'), { timeoutMs: 300_000 });
  report.syncedMs = performance.now() - started;
  report.ipFamilies = daemon.logs.find((line) => line.msg === 'proxier started')?.['ipFamilies'];
  const client = topology.clientNs;
  report.webV4 = await topology.probe(client, 'tcp', `${WEB_V4}:80`, 6);
  report.webV6 = await topology.probe(client, 'tcp', `[${WEB_V6}]:80`, 6);
  report.dnsV6 = await topology.probe(client, 'udp', `[${DNS_V6}]:53`, 6);
  report.save = await sh('ip', 'netns', 'exec', topology.nodeNs, 'ipvsadm-save', '-n');
  report.sets = (await sh('ip', 'netns', 'exec', topology.nodeNs, 'ipset', 'list', '-n')).split('\n').filter(Boolean).sort();
  report.dummy6 = await sh('ip', '-n', topology.nodeNs, '-6', '-o', 'addr', 'show', 'dev', 'kube-ipvs0');
  report.dummy4 = await sh('ip', '-n', topology.nodeNs, '-4', '-o', 'addr', 'show', 'dev', 'kube-ipvs0');
  report.clusterIpSet6 = await sh('ip', 'netns', 'exec', topology.nodeNs, 'ipset', 'list', 'KUBE-6-CLUSTER-IP');
}

try {
  await main();
} catch (error) {
  report.error = error instanceof Error ? `${error.stack ?? error.message}\n${JSON.stringify((error as { context?: unknown }).context)}` : String(error);
  report.daemonTail = daemon?.logs.slice(-20);
  report.daemonText = daemon?.text();
  process.exitCode = 1;
} finally {
  process.stdout.write(JSON.stringify(report));
  daemon?.kill('SIGKILL');
  await daemon?.exited;
  await api?.stop();
  await topology?.teardown();
}
