// `kpx run [kube-proxy flags]`: the daemon, a drop-in kube-proxy. Flags and the --config
// file resolve as in kube-proxy (flags override the file); `--cleanup` removes every mode's
// state and exits; SIGTERM/SIGINT stop it within seconds, leaving the rules in place.
import { hostname as osHostname } from 'node:os';
import { formatConfigError } from '../config/config-error.ts';
import { formatFlagHelp } from '../config/help-text.ts';
import { effectiveProxyMode } from '../config/kube-proxy-config.ts';
import { loadCommandLine, type CommandLine } from '../config/load.ts';
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
/healthz, /proxyMode, /configz). Flags given override the --config file's fields.

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
Exit status: 0 stopped by a signal or --cleanup done, 2 unusable arguments, 3 runtime failure.`;

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
  const log = createLogger({ verbosity: config.logging.verbosity, destination: io.stdout });
  if (options.cleanup) return cleanUp(commandLine, mode, log);
  return runUntilStopped(commandLine, mode, log);
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
