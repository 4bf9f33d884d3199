// The well-known labels the model reads, and kube-proxy's informer label selector.

export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/**
 * Whether kube-proxy's list/watch selector lets this Service or EndpointSlice through:
 * `!service-proxy-name,!headless`, or `service-proxy-name=NAME,!headless` when kpx is
 * given a proxy name. Objects it filters out are skipped silently, as upstream never sees them.
 */
export function isSelectedByProxy(labels: ReadonlyMap<string, string>, serviceProxyName: string): boolean {
  if (labels.has(LABEL_HEADLESS)) return false;
  const proxyName = labels.get(LABEL_SERVICE_PROXY_NAME);
  return serviceProxyName === '' ? proxyName === undefined : proxyName === serviceProxyName;
}
