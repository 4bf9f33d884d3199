// The Event kube-proxy records on its Node at start-up ("Starting"), posted as a core/v1
// Event in the default namespace, where events about cluster-scoped objects go. Best
// effort: a failure is returned for logging, never thrown.
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../watch/kube-client.ts';

export const STARTING_REASON = 'Starting';
export const STARTING_MESSAGE = 'Starting kpx.';
const COMPONENT = 'kube-proxy';
const NAMESPACE = 'default';

/** The Event object; upstream's NodeRef uses the node name as the uid. */
export function startingEvent(nodeName: string, nowMs: number): Record<string, unknown> {
  const time = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${nodeName}.${randomBytes(8).toString('hex')}`, namespace: NAMESPACE },
    involvedObject: { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeName },
    reason: STARTING_REASON,
    message: STARTING_MESSAGE,
    type: 'Normal',
    source: { component: COMPONENT, host: nodeName },
    reportingComponent: COMPONENT,
    reportingInstance: nodeName,
    action: 'StartKubeProxy',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

/** Posts the Event; resolves with undefined on success, else why it failed. */
export async function postStartingEvent(client: KubeClient, nodeName: string, nowMs: number, timeoutMs = 10_000): Promise<string | undefined> {
  if (client.post === undefined) return 'the API client cannot create objects';
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await client.post(`/api/v1/namespaces/${NAMESPACE}/events`, startingEvent(nodeName, nowMs), signal);
    let body = '';
    for await (const chunk of response) body += String(chunk);
    const status = response.statusCode ?? 0;
    return status >= 200 && status < 300 ? undefined : `the API server answered ${status}: ${body.slice(0, 300)}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
