// The server-side selectors kube-proxy lists and watches with (cmd/kube-proxy/app/server.go):
// Services and EndpointSlices that belong to no other proxy and are not headless, and
// only this node's Node object.

export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** The label linking an EndpointSlice to its Service (discovery.k8s.io/v1 LabelServiceName). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

export interface ResourceSelectors {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/**
 * `!service-proxy-name,!headless` as upstream; with `serviceProxyName` set, only the
 * objects carrying exactly that proxy name (the selector an alternative proxy uses).
 */
export function serviceLabelSelector(serviceProxyName: string): string {
  const proxyName = serviceProxyName === '' ? `!${LABEL_SERVICE_PROXY_NAME}` : `${LABEL_SERVICE_PROXY_NAME}=${serviceProxyName}`;
  return `${proxyName},!${LABEL_HEADLESS}`;
}

export function nodeFieldSelector(nodeName: string): string {
  return `metadata.name=${nodeName}`;
}

/** The selector syntax of a label value: empty, or ≤63 of [A-Za-z0-9_.-] starting and ending alphanumeric. */
export function isValidLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(value));
}
