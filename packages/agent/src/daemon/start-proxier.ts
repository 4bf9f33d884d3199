// Once the Node is known (or waited for long enough): the model configuration of each IP
// family served, the conntrack settings, each family's dataplane set up, the health-check
// node-port servers, the proxier and sync runner of each family (composed as upstream's
// meta-proxier when there are two), started with an immediate first sync.
import { availableParallelism } from 'node:os';
import { effectiveSyncPeriods } from '../config/kube-proxy-config.ts';
import { nodeHostIPs } from '../config/node-addresses.ts';
import type { ResolvedConfig } from '../config/resolve-config.ts';
import { toModelConfigs } from '../config/to-model-config.ts';
import type { Logger } from '../log.ts';
import type { ModelConfig } from '../model/inputs.ts';
import { makeNodeContext } from '../model/node-context.ts';
import { nodePortAddressesOf } from '../model/node-port-addresses.ts';
import { parseNode } from '../model/parse-node.ts';
import type { AnyMode, Clock, Dataplane } from '../modes/mode.ts';
import type { IPFamily } from '../model/types.ts';
import type { Exec } from '../sys/exec.ts';
import { execInNetns } from '../sys/netns.ts';
import { ensureNfacctCounter, readNfacctCounters } from '../sys/nfacct.ts';
import { IPTABLES_NFACCT_COUNTERS } from '../modes/iptables/nfacct-counters.ts';
import { execSysctl, procSysctl } from '../sys/sysctl.ts';
import type { Snapshot } from '../watch/snapshot.ts';
import { applyConntrackSysctls, conntrackSysctls } from './conntrack-sysctls.ts';
import { composeClose, composeProxiers, composeRunners, familyReportsProblem, shareServiceHealth, type FamilyProxier } from './dual-stack-proxier.ts';
import { healthCheckListenAddresses } from './listen-addresses.ts';
import type { ProxyMetrics } from './metrics.ts';
import { localAddressReader } from './local-address-reader.ts';
import { createProxier, type Proxier } from './proxier.ts';
import type { ProxyHealthTracker } from './proxy-health.ts';
import { createServiceHealthServers, type HealthCheckListenFailure, type ServiceHealthServers } from './service-health-servers.ts';
import { createSyncRunner, type SyncRunner } from './sync-runner.ts';
import { startFlushWatch, type FlushWatch } from './flush-watch.ts';

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
 * With both IP families served, the proxier and runner are the per-family ones composed.
 */
export interface ProxierParts {
  dataplane?: Pick<Dataplane<unknown>, 'close'>;
  serviceHealth?: ServiceHealthServers;
  proxier?: Proxier;
  runner?: SyncRunner;
  flushWatches?: readonly FlushWatch[];
}

interface FamilyDataplane {
  readonly modelConfig: ModelConfig;
  readonly dataplane: Dataplane<unknown>;
}

/** Sets everything up and starts syncing `latest()` (the newest snapshot by then). */
export async function startProxier(inputs: ProxierInputs, node: Snapshot['node'], latest: () => Snapshot, parts: ProxierParts): Promise<void> {
  const { resolved, mode, exec, log, clock, metrics, tracker } = inputs;
  const { config, options } = resolved;
  const { syncPeriodMs, minSyncPeriodMs } = effectiveSyncPeriods(config);
  const hereExec = options.netns === '' ? exec : execInNetns(exec, options.netns);
  const nfacctCounters = mode.name === 'iptables' ? await ensureNfacctCounters(hereExec, IPTABLES_NFACCT_COUNTERS, metrics, log) : [];
  const modelConfigs = toModelConfigs(resolved, { osHostname: inputs.osHostname, node }).map((modelConfig) => ({ ...modelConfig, nfacctCounters }));
  const modeOptions = mode.optionsFromConfig(config, options);
  const sysctl = options.netns === '' ? procSysctl() : execSysctl(hereExec);
  await applyConntrackSysctls(sysctl, conntrackSysctls(config.conntrack, availableParallelism(), { includeGlobal: options.netns === '' }), log);
  // Other modes' leftovers go before this mode's setup writes anything (upstream's platformCleanup).
  await inputs.leftoversRemoved;
  const opened = await openFamilies(inputs, modelConfigs, node, modeOptions, parts);
  const serviceHealth = createServiceHealthServers({
    listenAddresses: healthCheckListenAddresses(config.nodePortAddresses, [
      ...nodeHostIPs(node),
      ...opened.flatMap((family) => family.modelConfig.nodeIPOverride),
    ]),
    isProxyHealthy: () => tracker.health().healthy,
    log,
    ...(inputs.onServiceHealthFailure === undefined ? {} : { onListenFailure: inputs.onServiceHealthFailure }),
  });
  parts.serviceHealth = serviceHealth;
  const isDualStack = opened.length > 1;
  const sharedHealth = shareServiceHealth(
    serviceHealth,
    opened.map((family) => family.modelConfig.ipFamily),
  );
  const flushWatches = new Map<IPFamily, FlushWatch>();
  const families = opened.map(({ modelConfig, dataplane }, index): FamilyProxier & { readonly dataplane: Dataplane<unknown> } => {
    const ipFamily = modelConfig.ipFamily;
    const familyLog = isDualStack ? log.child({ ipFamily }) : log;
    const familyHealth = isDualStack ? sharedHealth.get(ipFamily)! : serviceHealth;
    const proxier = createProxier({
      mode,
      modeOptions,
      dataplane,
      modelConfig,
      metrics,
      tracker,
      serviceHealth: familyHealth,
      conntrackExec: hereExec,
      log: familyLog,
      clock,
      readLocalAddresses: localAddressReader(hereExec, ipFamily, familyLog),
      ...(isDualStack ? { reportsProblem: familyReportsProblem(ipFamily, index === 0), countsObjectChanges: index === 0 } : {}),
    });
    const runner = createSyncRunner({
      name: isDualStack ? `sync-runner-${ipFamily}` : 'sync-runner',
      sync: (trigger) => proxier.sync(trigger),
      minIntervalMs: minSyncPeriodMs,
      maxIntervalMs: syncPeriodMs,
      retry: { initialMs: Math.min(1_000, syncPeriodMs), maxMs: syncPeriodMs },
      onError: (failure) => {
        familyLog.error({ err: failure.error, consecutiveFailures: failure.consecutiveFailures, retryInMs: failure.retryInMs }, 'sync failed');
        // A partial sync onto rules someone else flushed fails: look for that at once.
        flushWatches.get(ipFamily)?.checkSoon();
      },
    });
    return { ipFamily, proxier, runner, dataplane };
  });
  const ipFamilies = families.map((family) => family.ipFamily);
  log.info({ ipFamily: ipFamilies[0], ipFamilies, mode: mode.name, netns: options.netns || undefined, syncPeriodMs, minSyncPeriodMs }, 'proxier started');
  for (const ipFamily of ipFamilies) {
    tracker.updated(ipFamily);
    metrics.markQueued(ipFamily);
  }
  const proxier = families.length === 1 ? families[0]!.proxier : composeProxiers(families);
  const runner = families.length === 1 ? families[0]!.runner : composeRunners(families);
  parts.proxier = proxier;
  parts.runner = runner;
  proxier.acceptSnapshot(latest());
  // The first sync runs at once: a run() made before start() is not held back.
  runner.run();
  runner.start();
  // Each family watches its own rules: a flush of one is repaired by that family's full sync.
  for (const family of families) {
    const watch = watchForFlush(family.dataplane, family.proxier, family.runner, inputs, family.ipFamily);
    if (watch !== undefined) flushWatches.set(family.ipFamily, watch);
  }
  parts.flushWatches = [...flushWatches.values()];
}

/** The dataplane's detectFlush, when it has one, polled between syncs; a flush forces a full sync at once. */
function watchForFlush(dataplane: Dataplane<unknown>, proxier: Proxier, runner: SyncRunner, inputs: ProxierInputs, ipFamily: IPFamily): FlushWatch | undefined {
  const detect = dataplane.detectFlush?.bind(dataplane);
  if (detect === undefined) return undefined;
  const { log, metrics, tracker } = inputs;
  return startFlushWatch({
    detect,
    // A full sync due after a failure does not stop the checks: the failure may be the flush's.
    isIdle: () => proxier.hasSynced && !runner.isRunning && !proxier.awaitsFlushRepair,
    onFlush: (detection) => {
      log.warn({ ipFamily, lost: detection.lost }, 'rules flushed by someone else: running a full sync');
      metrics.countRulesFlushed(ipFamily);
      tracker.rulesLost(ipFamily);
      proxier.requestFullSync('flush');
      runner.run();
    },
    log,
  });
}

/**
 * Upstream's nfacct set-up of the iptables proxier: the counters its rules bump, created
 * where the rules live; those that exist are counted by the rules and reported in /metrics.
 * Without the nfacct tool or nfnetlink_acct there are none, and the rules count nothing.
 */
async function ensureNfacctCounters(exec: Exec, names: readonly string[], metrics: ProxyMetrics, log: Logger): Promise<string[]> {
  const ensured: string[] = [];
  for (const name of names) if (await ensureNfacctCounter(exec, name)) ensured.push(name);
  if (ensured.length < names.length)
    log.info({ missing: names.filter((name) => !ensured.includes(name)) }, 'nfacct counters not available: their packets are not counted');
  if (ensured.length > 0) metrics.registerNfacctCounters(() => readNfacctCounters(exec));
  return ensured;
}

/**
 * Opens and sets up each family's dataplane, primary first. A secondary family whose
 * dataplane cannot be set up (no ip6tables, IPv6 disabled) is dropped with a warning and
 * the node is served single-stack, as upstream's platformCheckSupported decides.
 */
async function openFamilies(
  inputs: ProxierInputs,
  modelConfigs: readonly ModelConfig[],
  node: Snapshot['node'],
  modeOptions: unknown,
  parts: ProxierParts,
): Promise<FamilyDataplane[]> {
  const { resolved, mode, exec, log, clock, metrics } = inputs;
  const opened: FamilyDataplane[] = [];
  for (const [index, modelConfig] of modelConfigs.entries()) {
    const nodeContext = makeNodeContext(modelConfig, parseNode(node, modelConfig).node);
    const familyLog = modelConfigs.length > 1 ? log.child({ ipFamily: modelConfig.ipFamily }) : log;
    const dataplane = mode.open(
      { exec, clock, log: familyLog, metrics: metrics.forDataplane(modelConfig.ipFamily) },
      {
        netns: resolved.options.netns,
        ipFamily: modelConfig.ipFamily,
        localhostNodePorts: modelConfig.localhostNodePorts,
        nodePortAddresses: nodePortAddressesOf(nodeContext),
        options: modeOptions,
      },
    );
    parts.dataplane = composeClose([...opened.map((family) => family.dataplane), dataplane]);
    try {
      await dataplane.setup();
    } catch (error) {
      if (index === 0) throw error;
      log.warn({ err: error, ipFamily: modelConfig.ipFamily }, 'no support for this IP family here: serving single-stack');
      await dataplane.close();
      parts.dataplane = composeClose(opened.map((family) => family.dataplane));
      continue;
    }
    opened.push({ modelConfig, dataplane });
  }
  return opened;
}
