// Upstream's meta-proxier (pkg/proxy/metaproxier): one proxier per IP family behind one
// face. Each family has its own desired state, sync state, dataplane and sync runner, so
// one family's failing apply neither blocks nor rolls back the other's: the runner of the
// failing family retries on its own backoff while the other keeps syncing. The Services and
// EndpointSlices go to both; each family's model keeps what is of its family.
import { isOtherFamilyNote } from '../model/problems.ts';
import type { IPFamily, Problem } from '../model/types.ts';
import type { Dataplane } from '../modes/mode.ts';
import type { Proxier } from './proxier.ts';
import type { HealthCheckService, ServiceHealthServers } from './service-health-servers.ts';
import type { SyncRunner } from './sync-runner.ts';

export interface FamilyProxier {
  readonly ipFamily: IPFamily;
  readonly proxier: Proxier;
  readonly runner: SyncRunner;
}

/** The one Proxier the daemon feeds: every snapshot goes to each family. */
export function composeProxiers(families: readonly FamilyProxier[]): Proxier {
  return {
    acceptSnapshot(snapshot) {
      for (const family of families) family.proxier.acceptSnapshot(snapshot);
    },
    async sync(trigger) {
      // Each family on its own: one failing does not stop the other; the first failure is thrown.
      const outcomes = await Promise.allSettled(families.map((family) => family.proxier.sync(trigger)));
      const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
    currentNode: () => families[0]?.proxier.currentNode(),
    get hasSynced() {
      return families.every((family) => family.proxier.hasSynced);
    },
    // Flush repairs are per family (each watches its own rules); asked of both, both repair.
    requestFullSync: (reason) => families.forEach((family) => family.proxier.requestFullSync(reason)),
    get awaitsFlushRepair() {
      return families.some((family) => family.proxier.awaitsFlushRepair);
    },
  };
}

/** The one SyncRunner the daemon drives: each family's runner, each with its own timers and backoff. */
export function composeRunners(families: readonly FamilyProxier[]): SyncRunner {
  return {
    start: () => families.forEach((family) => family.runner.start()),
    run: () => families.forEach((family) => family.runner.run()),
    retryAfter: (delayMs) => families.forEach((family) => family.runner.retryAfter(delayMs)),
    stop: async () => void (await Promise.all(families.map((family) => family.runner.stop()))),
    get isRunning() {
      return families.some((family) => family.runner.isRunning);
    },
  };
}

/** Closes every dataplane opened so far (the daemon's stop path), whatever their plans. */
export function composeClose(dataplanes: readonly Pick<Dataplane<unknown>, 'close'>[]): Pick<Dataplane<unknown>, 'close'> {
  return { close: async () => void (await Promise.all(dataplanes.map((dataplane) => dataplane.close()))) };
}

/**
 * Which problems the proxier of `ipFamily` reports beside the other family's: never a note
 * on what the other family serves; the Service and Node problems (which both families see
 * alike) only from the primary; each family its own EndpointSlices'.
 */
export function familyReportsProblem(ipFamily: IPFamily, isPrimary: boolean): (problem: Problem) => boolean {
  return (problem) => !isOtherFamilyNote(problem, ipFamily) && (isPrimary || problem.kind === 'EndpointSlice');
}

/**
 * The health-check node ports are one set of listeners on the node (every node-port
 * address of both families): each family's proxier syncs its services, and the listeners
 * serve the union. A service in both families answers with the larger local count.
 */
export function shareServiceHealth(shared: ServiceHealthServers, families: readonly IPFamily[]): Map<IPFamily, ServiceHealthServers> {
  const latest = new Map<IPFamily, readonly HealthCheckService[]>();
  const union = (): HealthCheckService[] => {
    const byService = new Map<string, HealthCheckService>();
    for (const services of latest.values()) {
      for (const service of services) {
        const key = `${service.namespace}/${service.name}`;
        const known = byService.get(key);
        if (known === undefined || service.localEndpoints > known.localEndpoints) byService.set(key, service);
      }
    }
    return [...byService.values()];
  };
  return new Map(
    families.map((ipFamily): [IPFamily, ServiceHealthServers] => [
      ipFamily,
      {
        sync(services) {
          latest.set(ipFamily, services);
          return shared.sync(union());
        },
        ports: () => shared.ports(),
        // The shared listeners are closed once, by the daemon.
        close: async () => undefined,
      },
    ]),
  );
}
