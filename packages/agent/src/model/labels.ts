// The well-known labels the model reads, and kube-proxy's informer label selector.
import { labelValue, type Labels } from './field-reader.ts';

export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/**
 * Whether kube-proxy's list/watch selector lets this Service or EndpointSlice through:
 * `!service-proxy-name,!headless`, or `service-proxy-name=NAME,!headless` when kpx is
 * given a proxy name. Objects it filters out are skipped silently, as upstream never sees them.
 */
export function isSelectedByProxy(labels: Labels, serviceProxyName: string): boolean {
  if (labelValue(labels, LABEL_HEADLESS) !== undefined) return false;
  const proxyName = labelValue(labels, LABEL_SERVICE_PROXY_NAME);
  return serviceProxyName === '' ? proxyName === undefined : proxyName === serviceProxyName;
}
