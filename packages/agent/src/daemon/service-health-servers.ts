// Health-check node ports for `externalTrafficPolicy: Local` LoadBalancer services
// (upstream pkg/proxy/healthcheck/service_health.go): one listener per service on its
// healthCheckNodePort, answering 200 only while the node has a local ready endpoint and
// the proxy is healthy, so that cloud load balancers send traffic only to such nodes.
import type { Logger } from '../log.ts';
import { listenHttp, type ListeningServer } from './http-listen.ts';

export interface HealthCheckService {
  readonly namespace: string;
  readonly name: string;
  readonly healthCheckNodePort: number;
  /** Distinct local ready (not terminating) endpoint addresses of the service. */
  readonly localEndpoints: number;
}

export interface HealthCheckListenFailure {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
  readonly error: unknown;
}

export interface ServiceHealthSyncReport {
  readonly opened: number;
  readonly closed: number;
  /** Listeners that could not open; tried again on the next sync, as upstream does. */
  readonly failed: readonly HealthCheckListenFailure[];
}

export interface ServiceHealthServers {
  /** Makes exactly these services served; calls are applied one after another. */
  sync(services: readonly HealthCheckService[]): Promise<ServiceHealthSyncReport>;
  /** The ports currently listened on, by `namespace/name`. */
  ports(): ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export interface ServiceHealthServersOptions {
  /** Addresses to listen on (the node-port addresses); empty: every address. */
  readonly listenAddresses: readonly string[];
  readonly isProxyHealthy: () => boolean;
  readonly log: Logger;
  /** Upstream records a FailedToStartServiceHealthcheck Warning Event on the Service. */
  readonly onListenFailure?: (failure: HealthCheckListenFailure) => void;
}

interface Instance {
  readonly port: number;
  localEndpoints: number;
  readonly servers: ListeningServer[];
}

/** Upstream's body: Go's dedented, tab-indented template. */
export function renderServiceHealthBody(service: { namespace: string; name: string }, localEndpoints: number, proxyHealthy: boolean): string {
  return [
    '{',
    '\t"service": {',
    `\t\t"namespace": ${JSON.stringify(service.namespace)},`,
    `\t\t"name": ${JSON.stringify(service.name)}`,
    '\t},',
    `\t"localEndpoints": ${localEndpoints},`,
    `\t"serviceProxyHealthy": ${proxyHealthy}`,
    '}',
  ].join('\n');
}

// eslint-disable-next-line max-lines-per-function -- the servers by port and their pending opens are shared by its small methods.
export function createServiceHealthServers(options: ServiceHealthServersOptions): ServiceHealthServers {
  const instances = new Map<string, Instance>();
  const hosts: readonly (string | undefined)[] = options.listenAddresses.length === 0 ? [undefined] : options.listenAddresses;
  let queue: Promise<unknown> = Promise.resolve();

  const serialized = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step);
    queue = next.catch(() => undefined);
    return next;
  };

  const closeInstance = async (instance: Instance): Promise<void> => {
    await Promise.all(instance.servers.map((server) => server.close()));
  };

  const open = async (key: string, service: HealthCheckService): Promise<Instance> => {
    const instance: Instance = { port: service.healthCheckNodePort, localEndpoints: service.localEndpoints, servers: [] };
    const identity = { namespace: service.namespace, name: service.name };
    try {
      for (const host of hosts) {
        const server = await listenHttp(
          (_request, response) => {
            const count = instance.localEndpoints;
            const proxyHealthy = options.isProxyHealthy();
            response.writeHead(count !== 0 && proxyHealthy ? 200 : 503, {
              'Content-Type': 'application/json',
              'X-Content-Type-Options': 'nosniff',
              'X-Load-Balancing-Endpoint-Weight': String(count),
            });
            response.end(renderServiceHealthBody(identity, count, proxyHealthy));
          },
          { host, port: service.healthCheckNodePort },
        );
        instance.servers.push(server);
      }
    } catch (error) {
      // Close what did open, so the port can be retried or change owner.
      await closeInstance(instance);
      throw error;
    }
    options.log.debug({ service: key, port: instance.port }, 'opened service health check');
    return instance;
  };

  const applySync = async (services: readonly HealthCheckService[]): Promise<ServiceHealthSyncReport> => {
    const wanted = new Map(services.map((service) => [`${service.namespace}/${service.name}`, service]));
    let closed = 0;
    for (const [key, instance] of [...instances]) {
      const service = wanted.get(key);
      if (service !== undefined && service.healthCheckNodePort === instance.port) continue;
      instances.delete(key);
      await closeInstance(instance);
      options.log.debug({ service: key, port: instance.port }, 'closed service health check');
      closed += 1;
    }
    let opened = 0;
    const failed: HealthCheckListenFailure[] = [];
    for (const [key, service] of wanted) {
      const existing = instances.get(key);
      if (existing !== undefined) {
        existing.localEndpoints = service.localEndpoints;
        continue;
      }
      try {
        instances.set(key, await open(key, service));
        opened += 1;
      } catch (error) {
        options.log.error({ service: key, port: service.healthCheckNodePort, err: error }, 'failed to start service health check');
        const failure = { namespace: service.namespace, name: service.name, port: service.healthCheckNodePort, error };
        failed.push(failure);
        options.onListenFailure?.(failure);
      }
    }
    return { opened, closed, failed };
  };

  return {
    sync: (services) => serialized(() => applySync(services)),
    ports: () => new Map([...instances].map(([key, instance]) => [key, instance.port])),
    close: () =>
      serialized(async () => {
        const all = [...instances.values()];
        instances.clear();
        await Promise.all(all.map(closeInstance));
      }),
  };
}
