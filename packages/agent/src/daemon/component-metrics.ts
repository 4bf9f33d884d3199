// The metrics kube-proxy exports that are not its own: client-go's REST client metrics (the
// API calls it makes, registered by component-base's client-go adapter) and component-base's
// SLI metrics, which live in a registry of their own served at /metrics/slis
// (component-base/metrics/prometheus/slis), one observation per health check run.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** client-go's requestLatency buckets (k8s.io/component-base/metrics/prometheus/restclient). */
export const REST_CLIENT_LATENCY_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/** One API call: `code` is the HTTP status, or client-go's `<error>` when no response came. */
export interface RestRequest {
  readonly method: string;
  /** host[:port] of the API server, as client-go's url.Host. */
  readonly host: string;
  readonly code: number | '<error>';
  readonly durationSeconds: number;
}

export function createRestClientMetrics() {
  return {
    requests: new Counter({
      name: 'rest_client_requests_total',
      help: '[ALPHA] Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'host', 'method'] as const,
      registers: [],
    }),
    duration: new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: '[ALPHA] Request latency in seconds. Broken down by verb, and host.',
      labelNames: ['verb', 'host'] as const,
      buckets: REST_CLIENT_LATENCY_BUCKETS,
      registers: [],
    }),
  };
}

export type RestClientMetrics = ReturnType<typeof createRestClientMetrics>;

export function observeRestRequest(metrics: RestClientMetrics, request: RestRequest): void {
  metrics.requests.inc({ code: String(request.code), host: request.host, method: request.method });
  // client-go observes the latency of calls that got a response.
  if (request.code !== '<error>') metrics.duration.observe({ verb: request.method, host: request.host }, request.durationSeconds);
}

export type HealthcheckType = 'healthz' | 'livez' | 'readyz';

export interface SliMetrics {
  readonly registry: Registry;
  /** One run of the check `name` behind the `type` endpoint (slis.ObserveHealthcheck). */
  observeHealthcheck(name: string, type: HealthcheckType, healthy: boolean): void;
}

export function createSliMetrics(): SliMetrics {
  const registry = new Registry();
  const healthcheck = new Gauge({
    name: 'kubernetes_healthcheck',
    help: '[STABLE] This metric records the result of a single healthcheck.',
    labelNames: ['name', 'type'] as const,
    registers: [registry],
  });
  const healthchecksTotal = new Counter({
    name: 'kubernetes_healthchecks_total',
    help: '[STABLE] This metric records the results of all healthcheck.',
    labelNames: ['name', 'type', 'status'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeHealthcheck(name, type, healthy) {
      healthcheck.set({ name, type }, healthy ? 1 : 0);
      healthchecksTotal.inc({ name, type, status: healthy ? 'success' : 'error' });
    },
  };
}
