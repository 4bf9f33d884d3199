// Once the Node is known (or waited for long enough): the model configuration, the
// conntrack settings, the dataplane set up, the health-check node-port servers, the
// proxier and its sync runner, started with an immediate first sync.
import { availableParallelism } from 'node:os';
import { effectiveSyncPeriods } from '../config/kube-proxy-config.ts';
import { nodeHostIPs } from '../config/node-addresses.ts';
import type { ResolvedConfig } from '../config/resolve-config.ts';
import { toModelConfig } from '../config/to-model-config.ts';
import type { Logger } from '../log.ts';
import { makeNodeContext } from '../model/node-context.ts';
import { nodePortAddressesOf } from '../model/node-port-addresses.ts';
import { parseNode } from '../model/parse-node.ts';
import type { AnyMode, Clock, Dataplane } from '../modes/mode.ts';
import type { Exec } from '../sys/exec.ts';
import { execInNetns } from '../sys/netns.ts';
import { execSysctl, procSysctl } from '../sys/sysctl.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { applyConntrackSysctls, conntrackSysctls } from './conntrack-sysctls.ts';
import { healthCheckListenAddresses } from './listen-addresses.ts';
import type { ProxyMetrics } from './metrics.ts';
import { createProxier, type Proxier } from './proxier.ts';
import type { ProxyHealthTracker } from './proxy-health.ts';
import { createServiceHealthServers, type HealthCheckListenFailure, type ServiceHealthServers } from './service-health-servers.ts';
import { createSyncRunner, type SyncRunner } from './sync-runner.ts';

export interface ProxierInputs {
  readonly resolved: ResolvedConfig;
  readonly mode: AnyMode;
  readonly osHostname: string;
  readonly exec: Exec;
  readonly log: Logger;
  readonly clock: Clock;
  readonly metrics: ProxyMetrics;
  readonly tracker: ProxyHealthTracker;
  /** Resolves once other modes' leftovers are gone (or failed to go): setup waits for it. */
  readonly leftoversRemoved?: Promise<void>;
  /** A Service's health check node port could not be opened (the FailedToStartServiceHealthcheck Event). */
  readonly onServiceHealthFailure?: (failure: HealthCheckListenFailure) => void;
}

/**
 * Filled in as each part comes up, so that a failed setup can still close what opened, and
 * so that the proxier and runner are in place (for the next snapshot) before the first sync.
 */
export interface ProxierParts {
  dataplane?: Dataplane<unknown>;
  serviceHealth?: ServiceHealthServers;
  proxier?: Proxier;
  runner?: SyncRunner;
}

/** Sets everything up and starts syncing `latest()` (the newest snapshot by then). */
export async function startProxier(inputs: ProxierInputs, node: Snapshot['node'], latest: () => Snapshot, parts: ProxierParts): Promise<void> {
  const { resolved, mode, exec, log, clock, metrics, tracker } = inputs;
  const { config, options } = resolved;
  const { syncPeriodMs, minSyncPeriodMs } = effectiveSyncPeriods(config);
  const modelConfig = toModelConfig(resolved, { osHostname: inputs.osHostname, node });
  const hereExec = options.netns === '' ? exec : execInNetns(exec, options.netns);
  const modeOptions = mode.optionsFromConfig(config, options);
  const nodeContext = makeNodeContext(modelConfig, parseNode(node, modelConfig).node);
  await inputs.leftoversRemoved;
  const dataplane = mode.open({ exec, clock, log, metrics: metrics.forDataplane(modelConfig.ipFamily) }, {
    netns: options.netns,
    ipFamily: modelConfig.ipFamily,
    localhostNodePorts: modelConfig.localhostNodePorts,
    nodePortAddresses: nodePortAddressesOf(nodeContext),
    options: modeOptions,
  });
  parts.dataplane = dataplane;
  const sysctl = options.netns === '' ? procSysctl() : execSysctl(hereExec);
  await applyConntrackSysctls(sysctl, conntrackSysctls(config.conntrack, availableParallelism(), { includeGlobal: options.netns === '' }), log);
  await dataplane.setup();
  const serviceHealth = createServiceHealthServers({
    listenAddresses: healthCheckListenAddresses(modelConfig.nodePortAddresses, [...nodeHostIPs(node), ...modelConfig.nodeIPOverride]),
    isProxyHealthy: () => tracker.health().healthy,
    log,
    ...(inputs.onServiceHealthFailure === undefined ? {} : { onListenFailure: inputs.onServiceHealthFailure }),
  });
  parts.serviceHealth = serviceHealth;
  const proxier = createProxier({ mode, modeOptions, dataplane, modelConfig, syncPeriodMs, metrics, tracker, serviceHealth, conntrackExec: hereExec, log, clock });
  const runner = createSyncRunner({
    name: 'sync-runner',
    sync: (trigger) => proxier.sync(trigger),
    minIntervalMs: minSyncPeriodMs,
    maxIntervalMs: syncPeriodMs,
    retry: { initialMs: Math.min(1_000, syncPeriodMs), maxMs: syncPeriodMs },
    onError: (failure) => log.error({ err: failure.error, consecutiveFailures: failure.consecutiveFailures, retryInMs: failure.retryInMs }, 'sync failed'),
  });
  log.info({ ipFamily: modelConfig.ipFamily, mode: mode.name, netns: options.netns || undefined, syncPeriodMs, minSyncPeriodMs }, 'proxier started');
  tracker.updated(modelConfig.ipFamily);
  metrics.markQueued(modelConfig.ipFamily);
  parts.proxier = proxier;
  parts.runner = runner;
  proxier.acceptSnapshot(latest());
  // The first sync runs at once: a run() made before start() is not held back.
  runner.run();
  runner.start();
}
