// `kpx render --mode MODE -f FILE… [kube-proxy flags]`: what a mode would program for the
// given objects, printed on stdout, touching nothing. Problems go to stderr, one per line.
import { hostname as osHostname } from 'node:os';
import { formatConfigError } from '../config/config-error.ts';
import { formatFlagHelp } from '../config/help-text.ts';
import { effectiveProxyMode } from '../config/kube-proxy-config.ts';
import { loadCommandLine, type CommandLine } from '../config/load.ts';
import { loadObjects } from '../config/load-objects.ts';
import { formatLoadError, type LoadError } from '../config/parse-objects.ts';
import { splitClusterObjects } from '../config/split-cluster-objects.ts';
import { resolveNodeName, toModelConfigs } from '../config/to-model-config.ts';
import { isKpxError } from '../errors.ts';
import { buildDesiredState } from '../model/build-state.ts';
import { mergeFamilyProblems } from '../model/problems.ts';
import type { IPFamily, Problem } from '../model/types.ts';
import type { AnyMode } from '../modes/mode.ts';
import { describeUnavailableMode, findMode } from '../modes/registry.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import type { CommandIO } from './command-table.ts';

const USAGE = `usage: kpx render --mode iptables -f FILE [-f FILE…] [kube-proxy flags]

Prints what a mode would program for the Services, EndpointSlices and Node in FILE(s),
touching nothing. Invalid objects (or invalid endpoints of a slice) are reported on stderr and
skipped; the rest is rendered.
A node with IPs of both families (Node addresses, --bind-address, --node-ip IPv4,IPv6) is
rendered dual-stack: an IPv4 section and an IPv6 section, each under a "# IPv4" / "# IPv6" line.
Exit status: 0 ok, 1 some objects or endpoints skipped, 2 unusable arguments, 3 input could not be read, or none of it parsed.`;

export async function runRender(argv: readonly string[], io: CommandIO): Promise<number> {
  const commandLine = await readCommandLine(argv, io);
  if (typeof commandLine === 'number') return commandLine;
  const { config, options } = commandLine.resolved;
  if (options.help) {
    io.stdout.write(formatFlagHelp('render', USAGE));
    return EXIT.ok;
  }
  const usageError = findUsageError(commandLine);
  if (usageError !== undefined) return failUsage(io, [usageError]);
  const modeName = options.renderMode === '' ? effectiveProxyMode(config) : options.renderMode;
  const mode = findMode(modeName);
  if (mode === undefined) return failUsage(io, [describeUnavailableMode(modeName)]);

  try {
    return await renderObjects(commandLine, mode, io);
  } catch (error) {
    // A broken invariant: loud, but with the documented status rather than node's default 1.
    io.stderr.write(`kpx render: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.runtimeFailure;
  }
}

async function renderObjects(commandLine: CommandLine, mode: AnyMode, io: CommandIO): Promise<ExitCode> {
  const { config, options } = commandLine.resolved;
  const built = await buildFromInput(commandLine, io);
  if (typeof built === 'number') return built;
  const { builds, problems, ignored, loadErrors } = built;
  const modeOptions = mode.optionsFromConfig(config, options);
  const sections = builds.map(({ state }) => mode.format(mode.plan(state, modeOptions)));
  // Dual-stack: one section per family, each under its `# IPv4` / `# IPv6` header.
  io.stdout.write(
    builds.length === 1 ? (sections[0] ?? '') : builds.map((build, index) => `${familyHeader(build.ipFamily)}\n${sections[index] ?? ''}`).join(''),
  );

  for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
  if (ignored.size > 0) io.stderr.write(`${formatIgnored(ignored)}\n`);
  return exitStatus(loadErrors, problems);
}

/**
 * The desired state of the input, or the exit status when it cannot be read. Its own step so
 * that the decoded objects are garbage before the plan and its text are made.
 */
async function buildFromInput(commandLine: CommandLine, io: CommandIO) {
  const { config, options } = commandLine.resolved;
  const loaded = await loadObjects(options.filenames, io.stdin, { recursive: options.recursive });
  for (const error of loaded.errors) io.stderr.write(`${describeLoadError(error)}\n`);
  if (loaded.errors.some((error) => error.unreadable)) return EXIT.runtimeFailure;
  // Nothing usable at all (the only input does not parse): no object was skipped, none was there.
  if (loaded.errors.length > 0 && loaded.objects.length === 0) return EXIT.runtimeFailure;

  const machineHostname = osHostname();
  const cluster = splitClusterObjects(loaded.objects, resolveNodeName(config, machineHostname));
  const modelConfigs = toModelConfigs(commandLine.resolved, { osHostname: machineHostname, node: cluster.node });
  const builds = modelConfigs.map((modelConfig) => ({ ipFamily: modelConfig.ipFamily, ...buildDesiredState(cluster, modelConfig) }));
  const problems = builds.length === 1 ? (builds[0]?.problems ?? []) : mergeFamilyProblems(builds);
  return { builds, problems, ignored: cluster.ignored, loadErrors: loaded.errors };
}

/** The line each family's section of a dual-stack render starts with. */
export function familyHeader(ipFamily: IPFamily): string {
  return `# ${ipFamily}`;
}

/** The command line, or the exit status when it is unusable. */
async function readCommandLine(argv: readonly string[], io: CommandIO): Promise<CommandLine | ExitCode> {
  try {
    const commandLine = await loadCommandLine(argv, 'render');
    if (commandLine.errors.length === 0) return commandLine;
    return failUsage(io, commandLine.errors.map(formatConfigError));
  } catch (error) {
    if (!isKpxError(error, 'KPX_ERR_INPUT')) throw error;
    io.stderr.write(`kpx render: ${error.message}\n`);
    return EXIT.runtimeFailure;
  }
}

function findUsageError(commandLine: CommandLine): string | undefined {
  const [extra] = commandLine.positional;
  if (extra !== undefined) return `unexpected argument ${JSON.stringify(extra)} (input files are given with -f)`;
  if (commandLine.resolved.options.filenames.length === 0) return '-f/--filename is required (a file, a directory, or - for stdin)';
  return undefined;
}

function failUsage(io: CommandIO, messages: readonly string[]): ExitCode {
  for (const message of messages) io.stderr.write(`kpx render: ${message}\n`);
  io.stderr.write("Run 'kpx render --help' for usage.\n");
  return EXIT.badArguments;
}

function describeLoadError(error: LoadError): string {
  return `${error.unreadable ? 'error' : 'skipped'}: ${formatLoadError(error)}`;
}

/**
 * `skipped Service default/web: spec.clusterIP "10.0.0.1 -j ACCEPT": must be an IP address`.
 * An invalid part reads the same (`skipped EndpointSlice default/web-1: endpoints[1].addresses[0] …`):
 * its field path names what was skipped, and the rest of the object was used.
 */
export function formatProblem(problem: Problem): string {
  const object = problem.namespace === '' ? problem.name : `${problem.namespace}/${problem.name}`;
  const label = problem.severity === 'ignored' ? 'note: ignored part of' : problem.severity === 'warning' ? 'warning: read leniently in' : 'skipped';
  const field = problem.field === '' ? '' : ` ${problem.field}`;
  return `${label} ${problem.kind} ${object}:${field} "${problem.value}": ${problem.reason}`;
}

function formatIgnored(ignored: ReadonlyMap<string, number>): string {
  const total = [...ignored.values()].reduce((sum, count) => sum + count, 0);
  const kinds = [...ignored.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([kind, count]) => `${kind} ×${count}`)
    .join(', ');
  return `note: ${total} object(s) not used by kube-proxy were ignored: ${kinds}`;
}

function exitStatus(loadErrors: readonly LoadError[], problems: readonly Problem[]): ExitCode {
  // An invalid endpoint skipped counts as much as an object skipped: both change what is served.
  const skipped = loadErrors.length > 0 || problems.some((problem) => problem.severity === 'error' || problem.severity === 'invalid-part');
  return skipped ? EXIT.objectsSkipped : EXIT.ok;
}
