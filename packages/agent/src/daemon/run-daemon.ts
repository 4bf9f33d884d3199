// `kpx run` composed: health and metrics servers, the watch, the Node wait, the dataplane,
// the proxier and its sync runner, the start-up Event and the --config file watch. Returns
// a handle whose `finished` resolves with the exit status; `stop()` is the SIGTERM path:
// stop watching and syncing, close the servers, and leave every programmed rule in place.
import { effectiveSyncPeriods, effectiveProxyMode } from '../config/kube-proxy-config.ts';
import type { ResolvedConfig } from '../config/resolve-config.ts';
import { resolveNodeName } from '../config/to-model-config.ts';
import { encodeConfig } from '../config/encode-config.ts';
import { isKpxError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AnyMode, Clock } from '../modes/mode.ts';
import { allModes } from '../modes/registry.ts';
import type { Exec } from '../sys/exec.ts';
import { createKubeClient } from '../watch/kube-client.ts';
import type { ListWatchEvent } from '../watch/list-watch-types.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { startWatching, type Watching } from '../watch/watcher.ts';
import { watchConfigFile, type ConfigFileWatch } from './config-file-watch.ts';
import { startHealthzServer } from './healthz.ts';
import { cleanUpLeftovers, modesToCleanAtStart } from './leftover-cleanup.ts';
import type { ListeningServer } from './http-listen.ts';
import { createProxyMetrics, type ProxyMetrics } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import { eventObject, postEvent, postStartingEvent, type EventSpec } from './node-event.ts';
import { serveWithRetry, type ServerRetries } from './serve-with-retry.ts';
import type { HealthCheckListenFailure } from './service-health-servers.ts';
import type { KubeClient } from '../watch/kube-client.ts';
import { createNodeGate, type NodeGate } from './node-gate.ts';
import { applyOomScoreAdj } from './oom-score.ts';
import { startProxier, type ProxierParts } from './start-proxier.ts';
import { createProxyHealthTracker, healthTimeoutForSyncPeriod, type ProxyHealthTracker } from './proxy-health.ts';
import { splitHostPort } from './host-port.ts';
import { EXIT } from '../exit-codes.ts';

/** How long kpx waits for its Node object before going on without it (kube-proxy retries for about 30 s). */
export const NODE_WAIT_MS = 30_000;

export interface DaemonDeps {
  readonly exec: Exec;
  readonly log: Logger;
  readonly osHostname: string;
  readonly clock?: Clock;
}

export interface RunningDaemon {
  /** Resolves with the exit status once the daemon has ended. */
  readonly finished: Promise<number>;
  /** SIGTERM/SIGINT: ends everything but the rules; resolves when done. */
  stop(reason: string): Promise<void>;
}

interface Parts extends ProxierParts {
  readonly metrics: ProxyMetrics;
  readonly tracker: ProxyHealthTracker;
  readonly servers: ListeningServer[];
  readonly serverRetries: ServerRetries[];
  watching?: Watching;
  nodeGate?: NodeGate;
  configWatch?: ConfigFileWatch;
}

export async function startDaemon(resolved: ResolvedConfig, mode: AnyMode, deps: DaemonDeps): Promise<RunningDaemon> {
  const { config, options } = resolved;
  const clock = deps.clock ?? { now: () => Date.now() };
  const log = deps.log;
  const nodeName = resolveNodeName(config, deps.osHostname);
  const { syncPeriodMs } = effectiveSyncPeriods(config);
  const metrics = createProxyMetrics({ mode: mode.name, clock });
  const tracker = createProxyHealthTracker({ healthTimeoutMs: healthTimeoutForSyncPeriod(syncPeriodMs), clock });
  const parts: Parts = { metrics, tracker, servers: [], serverRetries: [] };
  let finish: (status: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let ending: Promise<void> | undefined;
  /** The newest snapshot from the watch layer. */
  let latest: Snapshot | undefined;

  const end = (status: number, reason: string): Promise<void> => {
    ending ??= (async () => {
      log.info({ reason }, 'stopping; rules are left in place');
      await stopParts(parts, log);
      finish(status);
    })();
    return ending;
  };
  const fail = (error: unknown, message: string): void => {
    log.error({ err: error }, message);
    void end(EXIT.runtimeFailure, message);
  };

  try {
    const client = createKubeClient({
      ...(config.clientConnection.kubeconfig === '' ? {} : { kubeconfigPath: config.clientConnection.kubeconfig }),
      ...(options.master === '' ? {} : { masterUrl: options.master }),
      onRequest: (request) => metrics.observeRestRequest(request),
    });
    const recordEvent = eventRecorder(client, nodeName, clock, log);
    await startServers(resolved, parts, () => latest?.node, mode, { log, recordEvent, nodeName });
    if (options.configFile !== '') {
      parts.configWatch = await watchConfigFile(options.configFile, (reason) => {
        log.error({ file: options.configFile, reason }, 'configuration file changed: exiting so that the new one is loaded');
        void end(EXIT.runtimeFailure, reason);
      });
    }
    const oomProblem = await applyOomScoreAdj(config.oomScoreAdj);
    if (oomProblem !== undefined) log.warn({ oomScoreAdj: config.oomScoreAdj, reason: oomProblem }, 'oom-score-adj not applied');
    void postStartingEvent(client, nodeName, clock.now()).then((problem) => {
      if (problem === undefined) log.info({ node: nodeName }, 'start-up event recorded');
      else log.warn({ node: nodeName, reason: problem }, 'start-up event not recorded');
    });

    // Beside the watch: the dataplane's setup waits for it (startProxier).
    const leftoversRemoved = removeOtherModesLeftovers(resolved, mode, deps, metrics);
    const onServiceHealthFailure = serviceHealthFailureRecorder(nodeName, recordEvent);
    const inputs = { resolved, mode, osHostname: deps.osHostname, exec: deps.exec, log, clock, metrics, tracker, leftoversRemoved, onServiceHealthFailure };
    parts.nodeGate = createNodeGate({
      waitMs: NODE_WAIT_MS,
      clock,
      log: log.child({ node: nodeName }),
      open: (snapshot) => {
        if (ending !== undefined) return;
        startProxier(inputs, snapshot.node, () => latest ?? snapshot, parts).catch((error: unknown) => fail(error, 'could not set up the dataplane'));
      },
    });
    parts.watching = startWatching({
      client,
      nodeName,
      serviceProxyName: options.serviceProxyName,
      log,
      onEvent: (event) => countWatchEvent(metrics, event),
      onSnapshot: (snapshot) => {
        latest = snapshot;
        if (parts.proxier === undefined || parts.runner === undefined) {
          parts.nodeGate?.offer(snapshot);
          return;
        }
        parts.proxier.acceptSnapshot(snapshot);
        parts.runner.run();
      },
    });
    log.info({ node: nodeName, server: client.server, mode: effectiveProxyMode(config) }, 'kpx started');
  } catch (error) {
    // A configuration that cannot work (no API server given, a bind address in use) is the operator's to fix.
    log.error({ err: error }, 'could not start');
    void end(isKpxError(error, 'KPX_ERR_CONFIG') ? EXIT.badArguments : EXIT.runtimeFailure, 'could not start');
  }
  return { finished, stop: (reason) => end(EXIT.ok, reason) };
}

/** What other modes left on the node goes before this mode's setup; never rejects. */
async function removeOtherModesLeftovers(resolved: ResolvedConfig, mode: AnyMode, deps: DaemonDeps, metrics: ProxyMetrics): Promise<void> {
  const { serviceProxyName } = resolved.options;
  if (serviceProxyName !== '') {
    deps.log.info({ serviceProxyName }, "other modes' leftovers kept: kpx runs beside kube-proxy");
    return;
  }
  try {
    await cleanUpLeftovers(modesToCleanAtStart(mode, allModes(), serviceProxyName), { resolved, exec: deps.exec, log: deps.log, metrics });
  } catch (error) {
    deps.log.warn({ err: error }, "other modes' leftovers not removed");
  }
}

type RecordEvent = (spec: EventSpec) => Promise<void>;

/** Posts an Event about this node's proxy; logs the outcome, never rejects. */
function eventRecorder(client: KubeClient, nodeName: string, clock: Clock, log: Logger): RecordEvent {
  return async (spec) => {
    const problem = await postEvent(client, eventObject(spec, nodeName, clock.now()), 5_000);
    if (problem === undefined) log.info({ reason: spec.reason, kind: spec.involved.kind, name: spec.involved.name }, 'event recorded');
    else log.warn({ reason: spec.reason, problem }, 'event not recorded');
  };
}

/** Upstream's FailedToStartServiceHealthcheck, with its message. */
function serviceHealthFailureRecorder(nodeName: string, recordEvent: RecordEvent): (failure: HealthCheckListenFailure) => void {
  return (failure) => {
    const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
    const message = `node ${nodeName} failed to start healthcheck "${failure.namespace}/${failure.name}" on port ${failure.port}: ${reason}`;
    void recordEvent({
      type: 'Warning',
      reason: 'FailedToStartServiceHealthcheck',
      action: 'Listen',
      message,
      involved: { kind: 'Service', namespace: failure.namespace, name: failure.name },
    });
  };
}

/** healthz and metrics; a bind failure is fatal only with bindAddressHardFail (serve-with-retry.ts). */
async function startServers(
  resolved: ResolvedConfig,
  parts: Parts,
  getNode: () => Snapshot['node'],
  mode: AnyMode,
  context: { readonly log: Logger; readonly recordEvent: RecordEvent; readonly nodeName: string },
): Promise<void> {
  const { config } = resolved;
  const clock = { now: () => Date.now() };
  const serve = {
    hardFail: config.bindAddressHardFail,
    log: context.log,
    onListening: (server: ListeningServer) => parts.servers.push(server),
    recordWarning: (reason: EventSpec['reason'], message: string) =>
      context.recordEvent({ type: 'Warning', reason, action: 'StartKubeProxy', message, involved: { kind: 'Node', name: context.nodeName } }),
  };
  if (config.healthzBindAddress !== '') {
    const address = splitHostPort(config.healthzBindAddress);
    const start = () =>
      startHealthzServer({ ...address, tracker: parts.tracker, getNode, clock, onProbe: (probe, status) => parts.metrics.countHealthProbe(probe, status) });
    parts.serverRetries.push(await serveWithRetry({ failure: 'healthz server failed', reason: 'FailedToStartProxierHealthcheck', start }, serve));
  }
  if (config.metricsBindAddress !== '') {
    const address = splitHostPort(config.metricsBindAddress);
    const start = () => startMetricsServer({ ...address, metrics: parts.metrics, proxyMode: mode.name, getConfig: () => encodeConfig(config) });
    parts.serverRetries.push(await serveWithRetry({ failure: 'starting metrics server failed', reason: 'FailedToStartMetricServer', start }, serve));
  }
}

const RESTART_EVENTS = new Set<ListWatchEvent['type']>(['list-failed', 'relist', 'watch-failed', 'watch-stalled']);

function countWatchEvent(metrics: ProxyMetrics, event: ListWatchEvent): void {
  if (RESTART_EVENTS.has(event.type)) metrics.countWatchRestart(event.resource);
  if (event.type === 'decode-error') metrics.countWatchDecodeError(event.resource, event.reason ?? 'unknown');
}

/** Everything but the rules: the dataplane is closed, never cleaned up. */
async function stopParts(parts: Parts, log: Logger): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['config watch', async () => parts.configWatch?.stop()],
    ['node wait', async () => parts.nodeGate?.close()],
    ...(parts.flushWatches ?? []).map((watch): [string, () => Promise<void>] => ['flush watch', watch.stop]),
    ['sync runner', parts.runner?.stop],
    ['watch', parts.watching?.stop],
    [
      'servers',
      async () => {
        for (const retries of parts.serverRetries) retries.stop();
        await Promise.all(parts.servers.map((server) => server.close()));
      },
    ],
    ['health checks', parts.serviceHealth?.close],
    ['dataplane', parts.dataplane?.close],
  ];
  for (const [name, step] of steps) {
    if (step === undefined) continue;
    try {
      await step();
    } catch (error) {
      log.warn({ err: error, part: name }, 'stopping a part failed');
    }
  }
}
