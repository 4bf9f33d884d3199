// Inside the kernel VM: the ipvs-mode scenarios the host cannot run, with real packets — session affinity
// through persistence, a service without endpoints refused, load balancer source ranges
// (allowed and dropped), an external IP, hairpin (an endpoint reaching itself through its
// service), SCTP through a ClusterIP (socat on both ends), and the sh scheduler keeping one
// client on one endpoint where rr alternates.
// Prints one JSON object; ipvs-scenarios.test.ts asserts on it.
import { spawn, type ChildProcess } from 'node:child_process';
import { silentLogger } from '@kpx/agent/log.ts';
import type { DesiredState } from '@kpx/agent/model/types.ts';
import type { Dataplane } from '@kpx/agent/modes/mode.ts';
import { ipvsMode } from '@kpx/agent/modes/ipvs/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import type { IpvsOptions } from '@kpx/agent/modes/ipvs/options.ts';
import type { IpvsPlan } from '@kpx/agent/modes/ipvs/plan-types.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState, type ServicePortDraft } from '../helpers/state-builders.ts';
import { buildTopology, NODE_IP, POD_A_IP, POD_B_IP, sh, type Topology } from './ipvs-topology.ts';

function service(name: string, clusterIP: string, mutate: (draft: ServicePortDraft) => void) {
  return makeServicePort('default', name, 'http', (sp) => {
    sp.clusterIP = clusterIP;
    mutate(sp);
  });
}

const both = (sp: ServicePortDraft): void => void sp.endpoints.push(makeEndpoint(POD_A_IP, 8080), makeEndpoint(POD_B_IP, 8080));

function desired(): DesiredState {
  const node = makeNodeContext((n) => {
    n.nodeIPs = [NODE_IP];
    n.detectLocal = { mode: 'ClusterCIDR', cidrs: ['10.240.0.0/16'] };
  });
  return makeState(
    [
      service('sticky', '10.96.1.1', (sp) => {
        both(sp);
        sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 60 };
      }),
      service('empty', '10.96.1.2', () => undefined),
      service('lb-open', '10.96.1.3', (sp) => {
        both(sp);
        sp.loadBalancerVIPs = ['203.0.113.10'];
        sp.loadBalancerSourceRanges = ['10.240.3.0/24'];
      }),
      service('lb-closed', '10.96.1.4', (sp) => {
        both(sp);
        sp.loadBalancerVIPs = ['203.0.113.11'];
        sp.loadBalancerSourceRanges = ['192.0.2.0/24'];
      }),
      service('hairpin', '10.96.1.5', (sp) => void sp.endpoints.push(makeEndpoint(POD_A_IP, 8080, (e) => void (e.isLocal = true)))),
      service('ext', '10.96.1.6', (sp) => {
        both(sp);
        sp.externalIPs = ['198.51.100.7'];
      }),
      service('spread', '10.96.1.7', both),
      service('sctp', '10.96.1.8', (sp) => {
        sp.protocol = 'SCTP';
        sp.port = 3868;
        sp.endpoints.push(makeEndpoint(POD_A_IP, 3868), makeEndpoint(POD_B_IP, 3868));
      }),
    ],
    node,
  );
}

async function programmed(topology: Topology, options: IpvsOptions): Promise<Dataplane<IpvsPlan>> {
  const dataplane = ipvsMode.open({ exec: realExec, clock: { now: () => 0 }, log: silentLogger() }, dataplaneSettings(options, { netns: topology.nodeNs }));
  await dataplane.setup();
  await dataplane.apply(ipvsMode.plan(desired(), options));
  return dataplane;
}

const SCTP_PORT = '3868';
const sctpServers: ChildProcess[] = [];

/** socat on a one-to-one SCTP socket in each pod, answering every association with the pod's name. */
function startSctpServers(topology: Topology): void {
  for (const [name, ip] of [
    ['pod-a', POD_A_IP],
    ['pod-b', POD_B_IP],
  ] as const) {
    const argv = ['netns', 'exec', topology.podNs[name], 'socat', `SCTP-LISTEN:${SCTP_PORT},bind=${ip},reuseaddr,fork`, `EXEC:echo ${name}`];
    sctpServers.push(spawn('ip', argv, { stdio: 'ignore' }));
  }
}

/** One SCTP association from the client namespace; SCTP has no half-close, so stdin stays open until the answer. */
function askSctp(topology: Topology, target: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', topology.clientNs, 'socat', '-t', '3', '-', `SCTP:${target}`], { stdio: ['pipe', 'pipe', 'ignore'] });
    let answer = '';
    const timer = setTimeout(() => child.kill(), 5000);
    child.stdout.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      child.kill();
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(answer.trim() === '' ? 'no answer' : answer.trim());
    });
    child.stdin.write('who\n');
  });
}

const report: Record<string, unknown> = {};
const topology = await buildTopology(`kpxs${process.pid}`);
try {
  const rr = await programmed(topology, {});
  const client = topology.clientNs;
  report.sticky = await topology.probe(client, 'tcp', '10.96.1.1:80', 6);
  report.empty = await topology.probe(client, 'tcp', '10.96.1.2:80', 1);
  report.lbOpen = await topology.probe(client, 'tcp', '203.0.113.10:80', 2);
  report.lbClosed = await topology.probe(client, 'tcp', '203.0.113.11:80', 1, 1500);
  report.hairpin = await topology.probe(topology.podNs['pod-a'], 'tcp', '10.96.1.5:80', 2);
  report.externalIP = await topology.probe(client, 'tcp', '198.51.100.7:80', 4);
  report.rrSpread = await topology.probe(client, 'tcp', '10.96.1.7:80', 6);
  startSctpServers(topology);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  report.sctp = [];
  for (let index = 0; index < 4; index += 1) (report.sctp as string[]).push(await askSctp(topology, `10.96.1.8:${SCTP_PORT}`));
  report.save = await sh('ip', 'netns', 'exec', topology.nodeNs, 'ipvsadm-save', '-n');
  await rr.cleanup();
  const sourceHash = await programmed(topology, { scheduler: 'sh' });
  report.shSpread = await topology.probe(client, 'tcp', '10.96.1.7:80', 6);
  report.shSave = await sh('ip', 'netns', 'exec', topology.nodeNs, 'ipvsadm-save', '-n');
  await sourceHash.cleanup();
} catch (error) {
  report.error = error instanceof Error ? `${error.stack ?? error.message}\n${JSON.stringify((error as { context?: unknown }).context)}` : String(error);
  process.exitCode = 1;
} finally {
  for (const server of sctpServers) server.kill();
  process.stdout.write(JSON.stringify(report));
  await topology.teardown();
}
