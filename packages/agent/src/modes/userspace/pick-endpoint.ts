// Endpoint choice for one listener, after upstream's userspace round robin
// (pkg/proxy/userspace/roundrobin.go): plain round robin, or ClientIP affinity that keeps a
// client on its endpoint while it keeps coming back within the timeout. A connect failure
// asks again with `resetAffinity`, which moves on to the next endpoint in round-robin order.
// Pure: time comes in as a Clock.
import type { SessionAffinity } from '../../model/types.ts';
import type { Clock } from '../mode.ts';
import type { UpstreamEndpoint } from './plan-types.ts';

interface AffinityEntry {
  endpoint: UpstreamEndpoint;
  lastUsedMs: number;
}

export interface EndpointPicker {
  /** The endpoint for a new connection or session from `clientIP`; undefined when there is none. */
  pick(clientIP: string, resetAffinity?: boolean): UpstreamEndpoint | undefined;
  /** New endpoint set: affinity to endpoints still present is kept, the rest forgotten. */
  update(endpoints: readonly UpstreamEndpoint[], sessionAffinity: SessionAffinity): void;
  readonly endpoints: readonly UpstreamEndpoint[];
  /** Clients currently remembered (for tests: stays bounded). */
  affinityCount(): number;
}

export function createEndpointPicker(initial: readonly UpstreamEndpoint[], initialAffinity: SessionAffinity, clock: Clock): EndpointPicker {
  let endpoints = initial;
  let affinity = initialAffinity;
  let index = 0;
  const affinityByClient = new Map<string, AffinityEntry>();
  let lastSweepMs = clock.now();

  const ttlMs = (): number => (affinity.type === 'ClientIP' ? affinity.timeoutSeconds * 1000 : 0);

  // Forget expired clients at most once per TTL, so the map is bounded by the clients seen in two TTLs.
  function sweep(nowMs: number): void {
    if (nowMs - lastSweepMs < ttlMs()) return;
    lastSweepMs = nowMs;
    for (const [client, entry] of affinityByClient) if (nowMs - entry.lastUsedMs >= ttlMs()) affinityByClient.delete(client);
  }

  function nextRoundRobin(): UpstreamEndpoint | undefined {
    if (endpoints.length === 0) return undefined;
    const endpoint = endpoints[index % endpoints.length];
    index = (index + 1) % endpoints.length;
    return endpoint;
  }

  return {
    get endpoints() {
      return endpoints;
    },
    pick(clientIP, resetAffinity = false) {
      if (affinity.type !== 'ClientIP') return nextRoundRobin();
      const nowMs = clock.now();
      sweep(nowMs);
      const entry = affinityByClient.get(clientIP);
      if (!resetAffinity && entry !== undefined && nowMs - entry.lastUsedMs < ttlMs()) {
        entry.lastUsedMs = nowMs;
        return entry.endpoint;
      }
      const endpoint = nextRoundRobin();
      if (endpoint === undefined) affinityByClient.delete(clientIP);
      else affinityByClient.set(clientIP, { endpoint, lastUsedMs: nowMs });
      return endpoint;
    },
    update(nextEndpoints, nextAffinity) {
      const kept = new Set(nextEndpoints.map((endpoint) => endpoint.endpoint));
      endpoints = nextEndpoints;
      index = endpoints.length === 0 ? 0 : index % endpoints.length;
      if (nextAffinity.type !== 'ClientIP') affinityByClient.clear();
      affinity = nextAffinity;
      for (const [client, entry] of affinityByClient) if (!kept.has(entry.endpoint.endpoint)) affinityByClient.delete(client);
    },
    affinityCount: () => affinityByClient.size,
  };
}

/** kube-proxy userspace's EndpointDialTimeouts: each failover attempt waits longer. */
export const ENDPOINT_DIAL_TIMEOUTS_MS: readonly number[] = [250, 500, 1000, 2000];

/**
 * The endpoints to try, in order, for one new connection, as upstream's tryConnectEndpoints:
 * one attempt per dial timeout, the first by the picker (affinity or round robin), each later
 * one with affinity reset. Untried endpoints come first; with fewer endpoints than attempts
 * the picker's choice repeats, so a single slow endpoint still gets the longer timeouts. Lazy,
 * so round robin only advances when a failure really happened.
 */
export function* failoverOrder(picker: EndpointPicker, clientIP: string): Generator<{ endpoint: UpstreamEndpoint; timeoutMs: number }> {
  const tried = new Set<string>();
  for (const [attempt, timeoutMs] of ENDPOINT_DIAL_TIMEOUTS_MS.entries()) {
    // Other connections advance the same round robin between our attempts: skip repeats, boundedly.
    let endpoint = picker.pick(clientIP, attempt > 0);
    const canSkip = tried.size < picker.endpoints.length;
    for (let skips = 1; canSkip && endpoint !== undefined && tried.has(endpoint.endpoint) && skips < picker.endpoints.length; skips += 1) {
      endpoint = picker.pick(clientIP, true);
    }
    if (endpoint === undefined) return;
    tried.add(endpoint.endpoint);
    yield { endpoint, timeoutMs };
  }
}
