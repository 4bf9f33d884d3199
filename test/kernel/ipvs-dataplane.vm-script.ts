// Inside the kernel VM: kpx's IPVS dataplane programs a "node" network namespace with real
// ipvsadm -R / ipset restore / iptables-restore / ip, and real TCP and UDP traffic from a
// client namespace goes through a ClusterIP and a NodePort to echo servers in two "pod"
// namespaces. Prints one JSON object with what it saw; the host test asserts on it.
import { realExec } from '@kpx/agent/sys/exec.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import { ipvsMode } from '@kpx/agent/modes/ipvs/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import type { DesiredState } from '@kpx/agent/model/types.ts';
import { diffStates } from '@kpx/agent/diff/diff-states.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../helpers/state-builders.ts';
import { buildTopology, NODE_IP, sh, type Topology } from './ipvs-topology.ts';

let topology: Topology | undefined;
let NODE_NS = '';
function probe(kind: 'tcp' | 'udp', target: string, count: number): Promise<string[]> {
  if (topology === undefined) throw new Error('no topology yet');
  return topology.probe(topology.clientNs, kind, target, count);
}

function desired(withBOnUdp: boolean, withBOnTcp: boolean): DesiredState {
  const node = makeNodeContext((n) => {
    n.nodeIPs = [NODE_IP];
    n.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16'] };
  });
  return makeState(
    [
      makeServicePort('default', 'web', 'http', (sp) => {
        sp.clusterIP = '10.96.0.10';
        sp.port = 80;
        sp.nodePort = 30080;
        sp.endpoints.push(makeEndpoint('10.240.1.2', 8080));
        if (withBOnTcp) sp.endpoints.push(makeEndpoint('10.240.2.2', 8080));
      }),
      makeServicePort('default', 'dns', 'dns', (sp) => {
        sp.clusterIP = '10.96.0.53';
        sp.port = 53;
        sp.protocol = 'UDP';
        sp.endpoints.push(makeEndpoint('10.240.1.2', 5353));
        if (withBOnUdp) sp.endpoints.push(makeEndpoint('10.240.2.2', 5353));
      }),
    ],
    node,
  );
}

const report: Record<string, unknown> = {};

async function main(): Promise<void> {
  topology = await buildTopology(`kpxv${process.pid}`);
  NODE_NS = topology.nodeNs;
  const options = { gracefulTerminationTimeoutMs: 60_000 };
  let now = 0;
  const dataplane = ipvsMode.open({ exec: realExec, clock: { now: () => now }, log: silentLogger() }, dataplaneSettings(options, { netns: NODE_NS }));
  await dataplane.setup();
  const first = desired(false, true);
  const firstReport = await dataplane.apply(ipvsMode.plan(first, options));
  report.fullSync = firstReport.figures;
  report.saveAfterFull = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');
  report.clusterTcp = await probe('tcp', '10.96.0.10:80', 10);
  report.nodePortTcp = await probe('tcp', `${NODE_IP}:30080`, 4);
  report.clusterUdpBefore = await probe('udp', '10.96.0.53:53', 4);

  // One endpoint joins the UDP service: one line of ipvsadm-restore input, nothing else.
  const second = desired(true, true);
  const started = performance.now();
  const secondReport = await dataplane.apply(ipvsMode.plan(second, options, diffStates(first, second)));
  report.oneEndpointMs = performance.now() - started;
  report.oneEndpoint = secondReport.figures;
  report.clusterUdpAfter = await probe('udp', '10.96.0.53:53', 6);

  // pod-b leaves the TCP service: weight 0 on both of its virtual servers; the closed
  // connections of the probes (TIME_WAIT, InActConn) keep it there until the timeout.
  now = 1000;
  const third = desired(true, false);
  const thirdReport = await dataplane.apply(ipvsMode.plan(third, options, diffStates(second, third)));
  report.removal = thirdReport.figures;
  report.saveAfterRemoval = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');
  report.listAfterRemoval = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm', '-Ln');
  report.clusterTcpAfterRemoval = await probe('tcp', '10.96.0.10:80', 4);
  now = 1000 + 60_000;
  const drainReport = await dataplane.apply(ipvsMode.plan(third, options, diffStates(third, third)));
  report.drainTimeout = drainReport.figures;
  report.saveAfterDrain = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');

  // A full resync with nothing changed writes nothing to IPVS or ipsets.
  const resync = await dataplane.apply(ipvsMode.plan(third, options));
  report.resync = resync.figures;
  report.observe = (await dataplane.observe()).text;
  await dataplane.cleanup();
  report.saveAfterCleanup = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n');
  report.setsAfterCleanup = await sh('ip', 'netns', 'exec', NODE_NS, 'ipset', 'list', '-n');
}

try {
  await main();
} catch (error) {
  report.error = error instanceof Error ? `${error.stack ?? error.message}\n${JSON.stringify((error as { context?: unknown }).context)}` : String(error);
  report.kernelAtError = await sh('ip', 'netns', 'exec', NODE_NS, 'ipvsadm-save', '-n').catch(String);
  process.exitCode = 1;
} finally {
  process.stdout.write(JSON.stringify(report));
  await topology?.teardown();
}
