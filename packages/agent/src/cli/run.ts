// `kpx run [kube-proxy flags]`: the daemon, a drop-in kube-proxy. Flags and the --config
// file resolve as in kube-proxy (with a file, most flags are ignored, each with a warning);
// `--write-config-to` writes the effective configuration and exits, `--cleanup` removes every
// mode's state and exits, `--init-only` does the privileged start-up steps and exits;
// SIGTERM/SIGINT stop it within seconds, leaving the rules in place.
import { hostname as osHostname } from 'node:os';
import { formatConfigError, formatConfigWarning, type ConfigError } from '../config/config-error.ts';
import { formatFlagHelp } from '../config/help-text.ts';
import { effectiveProxyMode } from '../config/kube-proxy-config.ts';
import { loadCommandLine, type CommandLine } from '../config/load.ts';
import { writeConfigFile } from '../config/write-config.ts';
import { runInitOnly } from '../daemon/init-only.ts';
import { cleanUpLeftovers, modesToCleanUp } from '../daemon/leftover-cleanup.ts';
import { startDaemon } from '../daemon/run-daemon.ts';
import { isKpxError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import type { AnyMode } from '../modes/mode.ts';
import { allModes, describeUnavailableMode, findMode } from '../modes/registry.ts';
import { realExec } from '../sys/exec.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIO } from './command-table.ts';

const USAGE = `usage: kpx run [flags]

Runs kpx as the node's service proxy, as kube-proxy does: watches Services, EndpointSlices
and this node's Node object, programs the dataplane, and serves healthz
(--healthz-bind-address: /healthz, /livez) and metrics (--metrics-bind-address: /metrics,
/healthz, /proxyMode, /configz). With --config, the file's fields win over the flags that
set them (as kube-proxy), except --hostname-override, -v and --logging-format; each flag
made ineffective is warned about. Unknown or duplicate fields in the file are warnings
(kube-proxy's lenient decoding); invalid values exit 2. Logs go to stderr in klog's text
format, or component-base's JSON with --logging-format=json.

IP families: a node with IPs of both families (its Node object's addresses, --bind-address,
or --node-ip IPv4,IPv6) is served dual-stack, as upstream's meta-proxier: one proxier per
family, each with its own rules (iptables and ip6tables, the ip and ip6 nftables tables, IPVS
with the KUBE-6-* ipsets, IPv4 and IPv6 listeners on kpx-svc0), sync runner and retries, so one
family's failures never hold the other back. --cluster-cidr and --nodeport-addresses take
CIDRs of both families and each family uses its own. A node with IPs of one family (or a
second family whose dataplane cannot be set up) is served single-stack, that family alone.

SIGTERM or SIGINT: stop watching, close the servers and exit 0 within 5 s, leaving the
programmed rules in place (a restart converges on them without flushing). kpx exits when
the --config file changes on disk, so that the kubelet restarts it with the new one.
Exit status: 0 stopped by a signal, or --cleanup, --init-only or --write-config-to done;
2 unusable arguments; 3 runtime failure.`;

/** After a stop signal, the process ends by this deadline whatever is still pending. */
const STOP_DEADLINE_MS = 4_500;

export async function runRun(argv: readonly string[], io: CommandIO): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = await loadCommandLine(argv, 'run');
  } catch (error) {
    if (!isKpxError(error)) throw error;
    io.stderr.write(`kpx run: ${error.message}\n`);
    return EXIT.badArguments;
  }
  const { config, options } = commandLine.resolved;
  if (options.help) {
    io.stdout.write(formatFlagHelp('run', USAGE));
    return EXIT.ok;
  }
  const usageErrors = [
    ...commandLine.errors.map(formatConfigError),
    ...(commandLine.positional.length > 0 ? [`unexpected arguments: ${commandLine.positional.join(' ')}`] : []),
  ];
  const modeName = effectiveProxyMode(config);
  const mode = findMode(modeName);
  if (usageErrors.length === 0 && mode === undefined) usageErrors.push(`--proxy-mode: ${describeUnavailableMode(modeName)}`);
  if (usageErrors.length > 0 || mode === undefined) {
    for (const error of usageErrors) io.stderr.write(`kpx run: ${error}\n`);
    io.stderr.write('Run `kpx run --help` for the flags.\n');
    return EXIT.badArguments;
  }
  const log = createLogger({ verbosity: config.logging.verbosity, destination: io.stderr, format: config.logging.format === 'json' ? 'json' : 'text' });
  logConfigWarnings(commandLine, log);
  // In upstream's order (options.go Run): --write-config-to, then --cleanup, then --init-only.
  if (options.writeConfigTo !== '') return writeConfig(options.writeConfigTo, commandLine, log);
  if (options.cleanup) return cleanUp(commandLine, mode, log);
  if (options.initOnly) return runInitOnly(commandLine.resolved, mode, { exec: realExec, log });
  return runUntilStopped(commandLine, mode, log);
}

function logConfigWarnings(commandLine: CommandLine, log: Logger): void {
  const strict = commandLine.strictDecodingErrors;
  if (strict.length > 0) {
    // Upstream: `Using lenient decoding as strict decoding failed` err="strict decoding error: unknown field …".
    log.warn(
      { err: `strict decoding error: ${strict.map(describeStrictError).join(', ')}`, fields: strict.map((error) => error.name), file: strict[0]?.source },
      'Using lenient decoding as strict decoding failed',
    );
  }
  for (const warning of commandLine.warnings) log.warn({ setting: warning.name, reason: formatConfigWarning(warning) }, 'configuration setting ignored');
}

function describeStrictError(error: ConfigError): string {
  return `${error.reason.startsWith('duplicate') ? 'duplicate' : 'unknown'} field ${JSON.stringify(error.name)}`;
}

async function writeConfig(path: string, commandLine: CommandLine, log: Logger): Promise<number> {
  try {
    await writeConfigFile(path, commandLine.resolved.config);
    log.info({ file: path }, 'Wrote configuration');
    return EXIT.ok;
  } catch (error) {
    log.error({ err: error }, 'configuration not written');
    return EXIT.runtimeFailure;
  }
}

/**
 * Every mode's leftovers, as upstream's --cleanup: iptables (both backends), ipvs, nftables,
 * the userspace interface, for every family. Beside kube-proxy (--service-proxy-name) only
 * what is kpx's alone, and the chosen mode's state.
 */
async function cleanUp(commandLine: CommandLine, mode: AnyMode, log: Logger): Promise<number> {
  const { resolved } = commandLine;
  try {
    const modes = modesToCleanUp(mode, allModes(), resolved.options.serviceProxyName);
    const failed = await cleanUpLeftovers(modes, { resolved, exec: realExec, log });
    if (failed === 0) return EXIT.ok;
    log.error({ failedSteps: failed }, 'cleanup failed');
    return EXIT.runtimeFailure;
  } catch (error) {
    log.error({ err: error }, 'cleanup failed');
    return EXIT.runtimeFailure;
  }
}

async function runUntilStopped(commandLine: CommandLine, mode: AnyMode, log: Logger): Promise<number> {
  const daemon = await startDaemon(commandLine.resolved, mode, { exec: realExec, log, osHostname: osHostname() });
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'signal received');
    // Whatever still hangs (a tool, a socket), the process ends in time.
    setTimeout(() => process.exit(EXIT.ok), STOP_DEADLINE_MS).unref();
    void daemon.stop(signal);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const status = await daemon.finished;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  // Anything left holding the event loop (keep-alive sockets, a child) must not delay the exit.
  setTimeout(() => process.exit(status), 200).unref();
  return status;
}
