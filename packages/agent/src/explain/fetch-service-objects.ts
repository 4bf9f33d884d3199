// `kpx explain` from a live API server: one Service, its EndpointSlices and this node's Node,
// read with the same client (kubeconfig / --master) that `kpx run` watches with.
import type { RawObject } from '../model/inputs.ts';
import { readJsonObject, responseError } from '../watch/api-response.ts';
import { createKubeClient, type KubeClientOptions } from '../watch/kube-client.ts';

async function getJson(client: ReturnType<typeof createKubeClient>, path: string, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const response = await client.get(path, signal);
  if (response.statusCode === 404) {
    response.resume();
    return undefined;
  }
  if (response.statusCode !== 200) throw await responseError(response, { path });
  return readJsonObject(response, { path });
}

export interface FetchedObjects {
  readonly objects: RawObject[];
  readonly serviceFound: boolean;
}

export async function fetchServiceObjects(options: KubeClientOptions, namespace: string, name: string, nodeName: string): Promise<FetchedObjects> {
  const client = createKubeClient(options);
  const signal = AbortSignal.timeout(15_000);
  const ns = encodeURIComponent(namespace);
  const service = await getJson(client, `/api/v1/namespaces/${ns}/services/${encodeURIComponent(name)}`, signal);
  const selector = encodeURIComponent(`kubernetes.io/service-name=${name}`);
  const slices = await getJson(client, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=${selector}`, signal);
  const node = nodeName === '' ? undefined : await getJson(client, `/api/v1/nodes/${encodeURIComponent(nodeName)}`, signal);
  const objects: RawObject[] = [];
  if (service !== undefined) objects.push({ apiVersion: 'v1', kind: 'Service', ...service });
  const items = Array.isArray(slices?.['items']) ? (slices['items'] as Record<string, unknown>[]) : [];
  for (const item of items) objects.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', ...item });
  if (node !== undefined) objects.push({ apiVersion: 'v1', kind: 'Node', ...node });
  return { objects, serviceFound: service !== undefined };
}
