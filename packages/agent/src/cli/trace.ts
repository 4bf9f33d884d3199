// `kpx trace --from POD_OR_IP --to SERVICE_OR_IP:PORT [--proto tcp|udp] [--netns NS]
// [--master URL | --kubeconfig FILE] [--json]`: one real probe from the source's network
// namespace, and every hop and netfilter rule it went through.
import { isKpxError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { realExec } from '../sys/exec.ts';
import { assertNetnsName } from '../sys/netns.ts';
import { SERVICE_INTERFACE } from '../modes/userspace/service-interface.ts';
import { fetchPodIP, fetchServicePort } from '../trace/fetch-targets.ts';
import { findAddressHolder } from '../trace/find-netns.ts';
import { formatTrace } from '../trace/format-trace.ts';
import { parseFrom, parseTo } from '../trace/parse-targets.ts';
import { runTrace } from '../trace/run-trace.ts';
import type { Flow, TraceProtocol } from '../trace/trace-types.ts';
import type { KubeClientOptions } from '../watch/kube-client.ts';
import type { CommandIO } from './command-table.ts';

const USAGE = `usage: kpx trace --from POD_OR_IP --to SERVICE_OR_IP:PORT [--proto tcp|udp] [--netns NODE_NETNS] [--master URL | --kubeconfig FILE] [--json]

Sends ONE real probe (a TCP connection, or one UDP datagram) from the source's network namespace
to the destination, and shows the path it took: the interfaces it crossed (routes, veth peers,
bridges), every netfilter rule it hit, its conntrack entry (original and reply tuples, the DNAT
target, whether it was masqueraded) and whether the reply came back.

  --from POD_OR_IP     a pod NAMESPACE/NAME (its IP from the API server: the Pod, or an
                       EndpointSlice endpoint naming it) or an IP; the network namespace holding
                       that address is searched for from the node namespace outwards (the
                       namespaces its links lead to, then theirs), then in \`ip netns list\`
  --to DEST            a Service NAMESPACE/NAME:PORT (port number or name; its ClusterIP), or IP:PORT
  --proto tcp|udp      the probe's protocol (default: the service port's, else tcp)
  --netns NODE_NETNS   the node's network namespace, where the rules live (default: this one)
  --master URL, --kubeconfig FILE   the API server, for pod and service names
  --json               the same trace as JSON

Rules are traced by what the node namespace has programmed: nftables through a temporary rule
(meta nftrace set 1) in kpx's own table \`kpx-trace\` and \`nft monitor trace\`; iptables on the
nft backend through a -j TRACE rule in the raw table and \`xtables-monitor --trace\`; iptables on
the legacy backend cannot be traced: the rules whose packet counters moved are shown instead;
userspace mode has no rules (the connection goes to kpx's socket). ipvs is not supported here (it
needs the kernel VM; its connection entry would be read with \`ipvsadm -Lnc\`).
Every temporary rule matches only this flow (source, destination, protocol, port), carries the
comment kpx-trace:PID, and is removed when the trace ends or is interrupted; a later run removes
any left by a run that died.
Exit status: 0 the trace ran (whatever the probe's outcome), 2 unusable arguments, 3 runtime failure.`;

interface TraceArgs {
  readonly values: ReadonlyMap<string, string>;
  readonly json: boolean;
}

const VALUE_FLAGS = new Set(['--from', '--to', '--proto', '--netns', '--master', '--kubeconfig']);

function parseArgs(argv: readonly string[]): TraceArgs | string {
  const values = new Map<string, string>();
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--json') {
      json = true;
      continue;
    }
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    if (!VALUE_FLAGS.has(flag)) return `unknown argument ${JSON.stringify(arg)}`;
    const value = inline ?? argv[++index];
    if (value === undefined) return `${flag} needs a value`;
    values.set(flag, value);
  }
  if (!values.has('--from') || !values.has('--to')) return '--from and --to are required';
  const proto = values.get('--proto');
  if (proto !== undefined && proto !== 'tcp' && proto !== 'udp') return `--proto: ${JSON.stringify(proto)} is not tcp or udp`;
  return { values, json };
}

function clientOptions(values: ReadonlyMap<string, string>): KubeClientOptions {
  const master = values.get('--master');
  const kubeconfig = values.get('--kubeconfig');
  return { ...(master === undefined ? {} : { masterUrl: master }), ...(kubeconfig === undefined ? {} : { kubeconfigPath: kubeconfig }) };
}

interface Resolved {
  readonly flow: Flow;
  readonly fromLabel: string;
  readonly toLabel: string;
}

async function resolveTargets(values: ReadonlyMap<string, string>): Promise<Resolved | string> {
  const from = parseFrom(values.get('--from') ?? '');
  const to = parseTo(values.get('--to') ?? '');
  if (typeof from === 'string') return from;
  if (typeof to === 'string') return to;
  const options = clientOptions(values);
  const source = from.kind === 'ip' ? from.ip : await fetchPodIP(options, from.namespace, from.name);
  const fromLabel = from.kind === 'ip' ? from.ip : `pod ${from.namespace}/${from.name} (${source})`;
  const given = values.get('--proto') as TraceProtocol | undefined;
  if (to.kind === 'ip') return { flow: { protocol: given ?? 'tcp', source, destination: to.ip, port: to.port }, fromLabel, toLabel: `${to.ip}:${to.port}` };
  const port = await fetchServicePort(options, to.namespace, to.name, to.port);
  const protocol = given ?? (port.protocol === 'UDP' ? 'udp' : 'tcp');
  if (port.protocol !== 'TCP' && port.protocol !== 'UDP' && given === undefined)
    return `service port ${to.port} is ${port.protocol}; kpx trace probes tcp or udp`;
  return {
    flow: { protocol, source, destination: port.clusterIP, port: port.port },
    fromLabel,
    toLabel: `service ${to.namespace}/${to.name}:${to.port} (ClusterIP ${port.clusterIP}:${port.port})`,
  };
}

export async function runTraceCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const fail = (message: string): number => {
    io.stderr.write(`kpx trace: ${message}\nRun 'kpx trace --help' for usage.\n`);
    return EXIT.badArguments;
  };
  const args = parseArgs(argv);
  if (typeof args === 'string') return fail(args);
  const nodeNetns = args.values.get('--netns') ?? '';
  const cleanups: (() => Promise<boolean>)[] = [];
  let interrupted = false;
  // `on`, not `once`: execa's signal-exit, listening while a command runs, re-raises the signal
  // (killing kpx before its cleanup) when it finds no listener but its own, and a `once`
  // listener has removed itself by the time signal-exit looks.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    void Promise.all(cleanups.map((cleanup) => cleanup().catch(() => false))).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  try {
    if (nodeNetns !== '') assertNetnsName(nodeNetns);
    const resolved = await resolveTargets(args.values);
    if (typeof resolved === 'string') return fail(resolved);
    const holder = await findAddressHolder(realExec, resolved.flow.source, new Set([SERVICE_INTERFACE]), nodeNetns);
    if (holder === undefined) return fail(`no network namespace holds the source address ${resolved.flow.source}`);
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const trace = await runTrace(realExec, { ...resolved, sourceNetns: holder.netns, nodeNetns, onCleanup: (cleanup) => cleanups.push(cleanup) });
    io.stdout.write(args.json ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace));
    return EXIT.ok;
  } catch (error) {
    if (isKpxError(error) && error.code === 'KPX_ERR_CONFIG') return fail(error.message);
    io.stderr.write(`kpx trace: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.runtimeFailure;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
