// Conntrack reconciliation benchmark: the real `conntrack -L` / `-D` and kpx's reconciler
// (daemon/conntrack-reconcile.ts) in a throwaway network namespace holding `--entries` UDP
// flows. Most are background flows to non-service addresses; `--service-flows` of them go to
// a UDP service's cluster IP and are DNATed (by an iptables rule in the namespace), half to
// the endpoint that still serves and half to one that was removed. Prints the time of the
// first reconcile (which deletes the stale half) and of a second one (nothing stale: the
// steady cost each sync pays). Needs root, iproute2, iptables and conntrack.
//
//   node bench/sync/conntrack-reconcile.bench.ts [--entries 100000] [--service-flows 2000]
import { parseArgs } from 'node:util';
import { reconcileStaleConntrack } from '@kpx/agent/daemon/conntrack-reconcile.ts';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../test/helpers/state-builders.ts';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '100000' }, 'service-flows': { type: 'string', default: '2000' } } });
const entries = Number(values.entries);
const serviceFlows = Number(values['service-flows']);
const SERVICE_IP = '10.96.0.53';
const SERVING = '10.244.1.10';
const REMOVED = '10.244.1.11';

// Runs in the namespace: one socket sends the background flows (one per destination port),
// and one socket per service flow (a flow is its source port) sends to the cluster IP.
const SENDER = `
const dgram = require('node:dgram');
const [background, service] = process.argv.slice(1).map(Number);
const send = (socket, port, host) => new Promise((resolve, reject) => socket.send('x', port, host, (error) => error ? reject(error) : resolve()));
(async () => {
  const socket = dgram.createSocket('udp4');
  for (let i = 0; i < background; i += 1) await send(socket, 1 + (i % 60000), '10.1.' + Math.floor(i / 60000) + '.1');
  socket.close();
  for (let i = 0; i < service; i += 1) {
    const client = dgram.createSocket('udp4');
    await send(client, 53, '${SERVICE_IP}');
    client.close();
  }
})();
`;

const netns = `kpxbench-ct-${process.pid}`;
await addNetns(realExec, netns);
const inNetns = execInNetns(realExec, netns);
const run = (file: string, ...args: string[]) => execOk(inNetns, { file, args, timeoutMs: 600_000 });
try {
  await run('ip', 'link', 'set', 'lo', 'up');
  // The flows leave through a veth pair whose far end drops them untracked (no dummy module here).
  await run('ip', 'link', 'add', 'ct0', 'type', 'veth', 'peer', 'name', 'ct1');
  await run('ip', 'addr', 'add', '192.168.255.1/24', 'dev', 'ct0');
  await run('ip', 'link', 'set', 'ct0', 'up');
  await run('ip', 'link', 'set', 'ct1', 'up');
  // A permanent neighbour as the gateway: no ARP resolution holds the packets back.
  await run('ip', 'neigh', 'add', '192.168.255.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'ct0', 'nud', 'permanent');
  await run('ip', 'route', 'add', '10.0.0.0/8', 'via', '192.168.255.2');
  await run('iptables', '-t', 'raw', '-A', 'PREROUTING', '-i', 'ct1', '-j', 'NOTRACK');
  await run('sysctl', '-qw', 'net.netfilter.nf_conntrack_udp_timeout=600');
  await run(
    'iptables',
    '-t',
    'nat',
    '-A',
    'OUTPUT',
    '-d',
    SERVICE_IP,
    '-p',
    'udp',
    '-m',
    'statistic',
    '--mode',
    'nth',
    '--every',
    '2',
    '--packet',
    '0',
    '-j',
    'DNAT',
    '--to-destination',
    REMOVED,
  );
  await run('iptables', '-t', 'nat', '-A', 'OUTPUT', '-d', SERVICE_IP, '-p', 'udp', '-j', 'DNAT', '--to-destination', SERVING);
  const filled = performance.now();
  await run(process.execPath, '-e', SENDER, String(entries - serviceFlows), String(serviceFlows));
  const count = (await run('conntrack', '-C')).stdout.trim();
  console.log(`${count} conntrack entries in ${netns} (filled in ${((performance.now() - filled) / 1000).toFixed(1)} s)`);

  const state = makeState([
    makeServicePort('kube-system', 'dns', 'dns', (port) => {
      port.protocol = 'UDP';
      port.clusterIP = SERVICE_IP;
      port.port = 53;
      port.endpoints = [makeEndpoint(SERVING, 53)];
    }),
  ]);
  for (const label of ['first reconcile (stale flows deleted)', 'second reconcile (nothing stale)']) {
    const started = performance.now();
    const report = await reconcileStaleConntrack(inNetns, state);
    const ms = performance.now() - started;
    if (report.failures.length > 0)
      throw new AggregateError(
        report.failures.map((failure) => failure.error),
        'reconcile failed',
      );
    console.log(
      `${label.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms   ${report.flows} flows read, ${report.filters} deletions, ${report.deletedEntries} entries deleted`,
    );
  }
} finally {
  await deleteNetns(realExec, netns);
}
