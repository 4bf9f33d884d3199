// Pure: which services need a health-check node port, and how many local ready
// endpoints each has (upstream's HealthCheckNodePorts and LocalReadyEndpoints).
import type { DesiredState } from '../model/types.ts';
import type { HealthCheckService } from './service-health-servers.ts';

export function healthCheckServicesFromState(state: DesiredState): HealthCheckService[] {
  const byService = new Map<string, { namespace: string; name: string; port: number; addresses: Set<string> }>();
  for (const servicePort of state.servicePorts.values()) {
    if (servicePort.healthCheckNodePort === 0) continue;
    const key = `${servicePort.namespace}/${servicePort.name}`;
    let entry = byService.get(key);
    if (entry === undefined) {
      entry = { namespace: servicePort.namespace, name: servicePort.name, port: servicePort.healthCheckNodePort, addresses: new Set() };
      byService.set(key, entry);
    }
    // Counted over every port of the service, by address, as upstream's LocalReadyEndpoints.
    for (const endpoint of servicePort.endpoints.all) {
      if (endpoint.isLocal && endpoint.ready && !endpoint.terminating) entry.addresses.add(endpoint.ip);
    }
  }
  return [...byService.values()]
    .map((entry) => ({ namespace: entry.namespace, name: entry.name, healthCheckNodePort: entry.port, localEndpoints: entry.addresses.size }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
