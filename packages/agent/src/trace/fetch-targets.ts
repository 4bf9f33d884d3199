// The API reads kpx trace needs: a pod's IP (the Pod's status.podIP, or, from an API server
// that serves no pods such as kpx's embedded one, an EndpointSlice endpoint naming the pod),
// and a Service through kpx explain's fetch.
import { KpxError } from '../errors.ts';
import { fetchServiceObjects } from '../explain/fetch-service-objects.ts';
import { readJsonObject, responseError } from '../watch/api-response.ts';
import { createKubeClient, type KubeClientOptions } from '../watch/kube-client.ts';
import { chooseServicePort, podIPFromSlices, type ServicePortChoice } from './parse-targets.ts';

async function getJson(options: KubeClientOptions, path: string): Promise<Record<string, unknown> | undefined> {
  const response = await createKubeClient(options).get(path, AbortSignal.timeout(15_000));
  if (response.statusCode === 404) {
    response.resume();
    return undefined;
  }
  if (response.statusCode !== 200) throw await responseError(response, { path });
  return readJsonObject(response, { path });
}

export async function fetchPodIP(options: KubeClientOptions, namespace: string, name: string): Promise<string> {
  const ns = encodeURIComponent(namespace);
  const pod = await getJson(options, `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`);
  const status = pod?.['status'] as Record<string, unknown> | undefined;
  if (typeof status?.['podIP'] === 'string' && status['podIP'] !== '') return status['podIP'];
  const slices = await getJson(options, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`);
  const items = Array.isArray(slices?.['items']) ? (slices['items'] as Record<string, unknown>[]) : [];
  const ip = podIPFromSlices(items, name);
  if (ip === undefined)
    throw new KpxError('KPX_ERR_INPUT', `pod ${namespace}/${name} not found (no Pod with an IP, and no EndpointSlice endpoint names it)`, {
      context: { namespace, name },
    });
  return ip;
}

export async function fetchServicePort(options: KubeClientOptions, namespace: string, name: string, port: string): Promise<ServicePortChoice> {
  const fetched = await fetchServiceObjects(options, namespace, name, '');
  const service = fetched.objects.find((object) => object['kind'] === 'Service');
  if (service === undefined) throw new KpxError('KPX_ERR_INPUT', `service ${namespace}/${name} not found`, { context: { namespace, name } });
  const choice = chooseServicePort(service, port);
  if (typeof choice === 'string') throw new KpxError('KPX_ERR_INPUT', `service ${namespace}/${name}: ${choice}`, { context: { namespace, name, port } });
  return choice;
}
