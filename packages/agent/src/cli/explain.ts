// `kpx explain service NAMESPACE/NAME [--mode M] [--netns NS] [--client IP] [-f FILE…]
// [kube-proxy flags]`: the service as kpx sees it, what the mode programs for it now, the
// conntrack entries towards it, and where a given client can be sent.
import { hostname as osHostname } from 'node:os';
import { formatConfigError } from '../config/config-error.ts';
import { effectiveProxyMode } from '../config/kube-proxy-config.ts';
import { loadCommandLine, type CommandLine } from '../config/load.ts';
import { loadObjects } from '../config/load-objects.ts';
import { formatLoadError } from '../config/parse-objects.ts';
import { splitClusterObjects } from '../config/split-cluster-objects.ts';
import { resolveNodeName, toModelConfigs } from '../config/to-model-config.ts';
import { openDataplane } from '../daemon/open-dataplane.ts';
import { nodePortAddressesOf } from '../model/node-port-addresses.ts';
import { isKpxError } from '../errors.ts';
import { fetchServiceObjects } from '../explain/fetch-service-objects.ts';
import { formatExplain, type PortObservation } from '../explain/format-explain.ts';
import { silentLogger } from '../log.ts';
import { buildDesiredState } from '../model/build-state.ts';
import type { RawObject } from '../model/inputs.ts';
import { mergeFamilyProblems } from '../model/problems.ts';
import type { DesiredState, IPFamily, ServicePort } from '../model/types.ts';
import { isParsedIP, parseIP } from '../model/validate/ip.ts';
import type { Dataplane } from '../modes/mode.ts';
import { describeUnavailableMode, findMode } from '../modes/registry.ts';
import { realExec, type Exec } from '../sys/exec.ts';
import { execInNetns, listNetns } from '../sys/netns.ts';
import { EXIT } from '../exit-codes.ts';
import { familyHeader, formatProblem } from './render.ts';
import type { CommandIO } from './command-table.ts';

const USAGE = `usage: kpx explain service NAMESPACE/NAME [--mode MODE] [--netns NS] [--client IP] [-f FILE…] [kube-proxy flags]

For one Service: its addresses and endpoints as kpx sees them (from the API server given by
--master/--kubeconfig, or from -f files as kpx render reads them), the rules or virtual
servers the mode has programmed for it now (iptables: its KUBE-SVC chain and below, read with
iptables-save; nftables: its verdict and endpoint map elements and its chains, with any
counters, read map by map), the live conntrack entries towards it, and with --client which
endpoints that client can reach under the service's traffic policies. --netns reads a named network
namespace (a kpx lab node) instead of the host. --mode defaults to --proxy-mode, else iptables.
On a dual-stack node each IP family is shown in its own section ("# IPv4", "# IPv6").
Exit status: 0 ok, 1 service not found or skipped as invalid, 2 unusable arguments, 3 runtime failure
(including rules or conntrack entries that could not be read: what was read is still shown).`;

const MAX_CONNTRACK_LINES = 20;

function ipFamilyOfIP(ip: string): IPFamily | undefined {
  const parsed = parseIP(ip);
  return isParsedIP(parsed) ? parsed.family : undefined;
}
const SERVICE_REF = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/;

interface ExplainArgs {
  readonly mode: string;
  readonly client: string | undefined;
  readonly filenames: readonly string[];
  readonly rest: readonly string[];
}

/** Takes out the flags kube-proxy does not have; the rest goes to kpx run's flag parser. */
function extractOwnFlags(argv: readonly string[]): ExplainArgs | string {
  let mode = '';
  let client: string | undefined;
  const filenames: string[] = [];
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const match = /^(--mode|--client|--filename|-f)(?:=(.*))?$/.exec(arg);
    if (match === null) {
      rest.push(arg);
      continue;
    }
    const value = match[2] ?? argv[++index];
    if (value === undefined) return `${match[1] ?? arg} needs a value`;
    if (match[1] === '--mode') mode = value;
    else if (match[1] === '--client') client = value;
    else filenames.push(value);
  }
  return { mode, client, filenames, rest };
}

async function readObjects(
  args: ExplainArgs,
  commandLine: CommandLine,
  namespace: string,
  name: string,
  nodeName: string,
  io: CommandIO,
): Promise<RawObject[] | number> {
  if (args.filenames.length > 0) {
    const loaded = await loadObjects(args.filenames, io.stdin);
    for (const error of loaded.errors) io.stderr.write(`kpx explain: ${formatLoadError(error)}\n`);
    if (loaded.errors.some((error) => error.unreadable)) return EXIT.runtimeFailure;
    return loaded.objects;
  }
  const { config, options } = commandLine.resolved;
  const fetched = await fetchServiceObjects(
    {
      ...(config.clientConnection.kubeconfig === '' ? {} : { kubeconfigPath: config.clientConnection.kubeconfig }),
      ...(options.master === '' ? {} : { masterUrl: options.master }),
    },
    namespace,
    name,
    nodeName,
  );
  if (!fetched.serviceFound) {
    io.stderr.write(`kpx explain: service ${namespace}/${name} not found\n`);
    return EXIT.objectsSkipped;
  }
  return fetched.objects;
}

/** What explain read for one part of a port, or why it could not. */
interface Reading {
  readonly text: string;
  readonly error?: string;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function conntrackTowards(exec: Exec, port: ServicePort): Promise<Reading> {
  const proto = port.protocol.toLowerCase();
  const queries = [
    ...[port.clusterIP, ...port.externalIPs, ...port.loadBalancerVIPs].filter((ip) => ip !== '').map((ip) => ['-d', ip]),
    ...(port.nodePort === 0 ? [] : [['--dport', String(port.nodePort)]]),
  ];
  // conntrack lists IPv4 unless told otherwise.
  const family = port.clusterIP.includes(':') ? ['-f', 'ipv6'] : [];
  const lines = new Set<string>();
  for (const query of queries) {
    const result = await exec({ file: 'conntrack', args: ['-L', '-p', proto, ...query, ...family], timeoutMs: 10_000 }).catch((error: unknown) => ({
      exitCode: -1,
      stdout: '',
      stderr: messageOf(error),
    }));
    if (result.exitCode !== 0 && result.stdout === '') {
      const cause = `conntrack -L failed: ${result.stderr.trim().split('\n')[0] ?? ''}`;
      return { text: `(${cause})`, error: cause };
    }
    for (const line of result.stdout.split('\n')) if (line.trim() !== '') lines.add(line.trim());
  }
  const shown = [...lines];
  if (shown.length <= MAX_CONNTRACK_LINES) return { text: shown.join('\n') };
  return { text: [...shown.slice(0, MAX_CONNTRACK_LINES), `… ${shown.length - MAX_CONNTRACK_LINES} more`].join('\n') };
}

async function observe(dataplane: Dataplane<unknown>, port: ServicePort): Promise<Reading> {
  try {
    return { text: (await dataplane.observe(port.servicePortName, port)).text };
  } catch (error) {
    return { text: `(could not read: ${messageOf(error)})`, error: messageOf(error) };
  }
}

interface ObservationSources {
  readonly dataplane: Dataplane<unknown>;
  readonly hereExec: Exec;
  readonly modeName: string;
  readonly where: string;
  /** Collects what could not be read, each cause named. */
  readonly unread: string[];
}

/** Each port's programmed rules and conntrack entries, as read now. */
async function observePorts(ports: readonly ServicePort[], sources: ObservationSources): Promise<PortObservation[]> {
  const { dataplane, hereExec, modeName, where, unread } = sources;
  const observations: PortObservation[] = [];
  for (const port of ports) {
    const rules = await observe(dataplane, port);
    const conntrack = await conntrackTowards(hereExec, port);
    observations.push({ port, rules: rules.text, conntrack: conntrack.text });
    if (rules.error !== undefined) unread.push(`the ${modeName} rules of ${port.servicePortName} (${where}): ${rules.error}`);
    if (conntrack.error !== undefined) unread.push(`the conntrack entries towards ${port.servicePortName} (${where}): ${conntrack.error}`);
  }
  return observations;
}

export async function runExplain(argv: readonly string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const args = extractOwnFlags(argv);
  const fail = (message: string): number => {
    io.stderr.write(`kpx explain: ${message}\nRun 'kpx explain --help' for usage.\n`);
    return EXIT.badArguments;
  };
  if (typeof args === 'string') return fail(args);
  let commandLine: CommandLine;
  try {
    commandLine = await loadCommandLine(args.rest, 'run');
  } catch (error) {
    if (!isKpxError(error)) throw error;
    return fail(error.message);
  }
  if (commandLine.errors.length > 0) return fail(commandLine.errors.map(formatConfigError).join('\n'));
  const [what, reference, ...extra] = commandLine.positional;
  const ref = SERVICE_REF.exec(reference ?? '');
  if (what !== 'service' || ref === null || extra.length > 0) return fail('expected: service NAMESPACE/NAME');
  const [, namespace = '', , name = ''] = ref;
  if (args.client !== undefined && !isParsedIP(parseIP(args.client))) return fail(`--client: ${JSON.stringify(args.client)} is not an IP address`);
  const { config, options } = commandLine.resolved;
  const modeName = args.mode === '' ? effectiveProxyMode(config) : args.mode;
  const mode = findMode(modeName);
  if (mode === undefined) return fail(`--mode: ${describeUnavailableMode(modeName)}`);

  try {
    const machineHostname = osHostname();
    const nodeName = resolveNodeName(config, machineHostname);
    const objects = await readObjects(args, commandLine, namespace, name, nodeName, io);
    if (typeof objects === 'number') return objects;
    const cluster = splitClusterObjects(objects, nodeName);
    const modelConfigs = toModelConfigs(commandLine.resolved, { osHostname: machineHostname, node: cluster.node });
    const builds = modelConfigs.map((modelConfig) => ({ ipFamily: modelConfig.ipFamily, modelConfig, ...buildDesiredState(cluster, modelConfig) }));
    const problems = builds.length === 1 ? (builds[0]?.problems ?? []) : mergeFamilyProblems(builds);
    for (const problem of problems) if (problem.namespace === namespace && problem.name === name) io.stderr.write(`${formatProblem(problem)}\n`);
    const portsOf = (state: DesiredState): ServicePort[] =>
      [...state.servicePorts.values()].filter((port) => port.namespace === namespace && port.name === name);
    if (builds.every((build) => portsOf(build.state).length === 0)) {
      io.stderr.write(`kpx explain: kpx has no port of service ${namespace}/${name} (not found, invalid, or without a usable port)\n`);
      return EXIT.objectsSkipped;
    }
    if (options.netns !== '' && !(await listNetns(realExec)).includes(options.netns)) {
      io.stderr.write(`kpx explain: cannot read network namespace ${options.netns}: it does not exist (ip netns list)\n`);
      return EXIT.runtimeFailure;
    }
    const log = silentLogger();
    const hereExec = options.netns === '' ? realExec : execInNetns(realExec, options.netns);
    const where = options.netns === '' ? 'this host' : `network namespace ${options.netns}`;
    const clientFamily = args.client === undefined ? undefined : ipFamilyOfIP(args.client);
    const unread: string[] = [];
    // Dual-stack: one section per family that has a port of the service, under its `# IPv4` / `# IPv6` line.
    for (const { ipFamily, modelConfig, state } of builds) {
      const ports = portsOf(state);
      if (ports.length === 0) continue;
      const dataplane = openDataplane(mode, { exec: realExec, clock: { now: () => Date.now() }, log }, commandLine.resolved, {
        netns: options.netns,
        ipFamily,
        localhostNodePorts: modelConfig.localhostNodePorts,
        nodePortAddresses: nodePortAddressesOf(state.node),
      });
      const observations = await observePorts(ports, { dataplane, hereExec, modeName: mode.name, where, unread });
      await dataplane.close();
      if (builds.length > 1) io.stdout.write(`${familyHeader(ipFamily)}\n`);
      io.stdout.write(formatExplain(state.node, observations, clientFamily === ipFamily ? args.client : undefined, mode.name, where));
    }
    // What could be read is shown; what could not makes the run a failure, each cause named.
    for (const cause of unread) io.stderr.write(`kpx explain: could not read ${cause}\n`);
    return unread.length === 0 ? EXIT.ok : EXIT.runtimeFailure;
  } catch (error) {
    io.stderr.write(`kpx explain: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.runtimeFailure;
  }
}
