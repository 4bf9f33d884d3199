// The Events kube-proxy records: `Starting` on its Node at start-up, and the Warnings
// FailedToStartProxierHealthcheck / FailedToStartMetricServer (a healthz or metrics server
// that cannot bind, with bindAddressHardFail) on the Node and FailedToStartServiceHealthcheck
// on a Service whose health check node port cannot be opened. Posted as core/v1 Events (the
// Node's in the default namespace, where events about cluster-scoped objects go), reported by
// component `kpx` so that `kubectl get events` tells kpx from kube-proxy. Best effort: a
// failure is returned for logging, never thrown.
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../watch/kube-client.ts';

export const STARTING_REASON = 'Starting';
export const STARTING_MESSAGE = 'Starting kpx.';
export const REPORTING_COMPONENT = 'kpx';
const NODE_EVENT_NAMESPACE = 'default';

export type WarningReason = 'FailedToStartProxierHealthcheck' | 'FailedToStartMetricServer' | 'FailedToStartServiceHealthcheck';

export interface EventSpec {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  /** Upstream's actions: StartKubeProxy for the Node's, Listen for a Service's. */
  readonly action: string;
  readonly message: string;
  /** The Node (upstream's NodeRef uses the node name as the uid) or a Service (uid `namespace/name`). */
  readonly involved: { readonly kind: 'Node'; readonly name: string } | { readonly kind: 'Service'; readonly namespace: string; readonly name: string };
}

/** The Event object. */
export function eventObject(spec: EventSpec, nodeName: string, nowMs: number): Record<string, unknown> {
  const time = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { involved } = spec;
  const namespace = involved.kind === 'Node' ? NODE_EVENT_NAMESPACE : involved.namespace;
  const involvedObject =
    involved.kind === 'Node'
      ? { apiVersion: 'v1', kind: 'Node', name: involved.name, uid: involved.name }
      : { apiVersion: 'v1', kind: 'Service', namespace: involved.namespace, name: involved.name, uid: `${involved.namespace}/${involved.name}` };
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.name}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject,
    reason: spec.reason,
    message: spec.message,
    type: spec.type,
    source: { component: REPORTING_COMPONENT, host: nodeName },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: `${REPORTING_COMPONENT}-${nodeName}`,
    action: spec.action,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

export function startingEvent(nodeName: string, nowMs: number): Record<string, unknown> {
  return eventObject(
    { type: 'Normal', reason: STARTING_REASON, action: 'StartKubeProxy', message: STARTING_MESSAGE, involved: { kind: 'Node', name: nodeName } },
    nodeName,
    nowMs,
  );
}

/** Posts the Event; resolves with undefined on success, else why it failed. */
export async function postEvent(client: KubeClient, event: Record<string, unknown>, timeoutMs = 10_000): Promise<string | undefined> {
  if (client.post === undefined) return 'the API client cannot create objects';
  const signal = AbortSignal.timeout(timeoutMs);
  const namespace = (event['metadata'] as { namespace: string }).namespace;
  try {
    const response = await client.post(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, event, signal);
    let body = '';
    for await (const chunk of response) body += String(chunk);
    const status = response.statusCode ?? 0;
    return status >= 200 && status < 300 ? undefined : `the API server answered ${status}: ${body.slice(0, 300)}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function postStartingEvent(client: KubeClient, nodeName: string, nowMs: number, timeoutMs = 10_000): Promise<string | undefined> {
  return postEvent(client, startingEvent(nodeName, nowMs), timeoutMs);
}
