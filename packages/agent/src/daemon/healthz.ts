// kube-proxy's healthz server (--healthz-bind-address, default 0.0.0.0:10256):
// /livez answers from the sync state alone; /healthz also requires the node to be
// eligible (known, not being deleted, not tainted ToBeDeletedByClusterAutoscaler).
// Bodies are byte-for-byte the JSON kube-proxy's Go encoder writes.
import type { RawObject } from '../model/inputs.ts';
import type { Clock } from '../modes/mode.ts';
import { formatGoTime } from './go-time.ts';
import { listenHttp, requestPath, writeNotFound, type ListeningServer } from './http-listen.ts';
import type { HealthProbe } from './metrics.ts';
import { isNodeEligible, type ProxyHealth, type ProxyHealthTracker } from './proxy-health.ts';

export interface HealthResponse {
  readonly statusCode: 200 | 503;
  readonly body: string;
}

/** The status and JSON body of one probe, as upstream's healthzHandler / livezHandler. */
export function renderHealthResponse(probe: HealthProbe, health: ProxyHealth, nodeEligible: boolean, nowMs: number): HealthResponse {
  const healthy = probe === 'healthz' ? health.healthy && nodeEligible : health.healthy;
  // Upstream reports lastUpdated = now while healthy, for compatibility with older releases.
  const lastUpdatedMs = healthy ? nowMs : health.lastUpdatedMs;
  const body: Record<string, unknown> = {
    lastUpdated: formatGoTime(lastUpdatedMs),
    currentTime: formatGoTime(health.currentTimeMs),
  };
  if (probe === 'healthz') body['nodeEligible'] = nodeEligible;
  body['healthy'] = health.healthy;
  if (health.status.size > 0) {
    // Go marshals map keys sorted.
    const families = [...health.status.keys()].sort();
    body['status'] = Object.fromEntries(
      families.map((family) => {
        const proxier = health.status.get(family)!;
        return [family, { lastUpdated: formatGoTime(proxier.lastUpdatedMs), healthy: proxier.healthy }];
      }),
    );
  }
  return { statusCode: healthy ? 200 : 503, body: JSON.stringify(body) };
}

export interface HealthzServerOptions {
  /** undefined: every address. */
  readonly host: string | undefined;
  readonly port: number;
  readonly tracker: ProxyHealthTracker;
  /** This node's Node object as last seen, undefined when unknown. */
  readonly getNode: () => RawObject | undefined;
  readonly clock: Clock;
  /** Counts each answer (kubeproxy_proxy_healthz_total / _livez_total). */
  readonly onProbe?: (probe: HealthProbe, statusCode: number) => void;
}

const PROBES: ReadonlyMap<string, HealthProbe> = new Map([
  ['/healthz', 'healthz'],
  ['/livez', 'livez'],
]);

export function startHealthzServer(options: HealthzServerOptions): Promise<ListeningServer> {
  return listenHttp((request, response) => {
    const probe = PROBES.get(requestPath(request));
    if (probe === undefined) {
      writeNotFound(response);
      return;
    }
    const health = options.tracker.health();
    const nodeEligible = probe === 'healthz' ? isNodeEligible(options.getNode()) : true;
    const answer = renderHealthResponse(probe, health, nodeEligible, options.clock.now());
    options.onProbe?.(probe, answer.statusCode);
    response.writeHead(answer.statusCode, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
    response.end(answer.body);
  }, options);
}
