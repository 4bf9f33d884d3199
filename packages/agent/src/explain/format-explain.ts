// Pure: `kpx explain service` text for one service, from what kpx sees (its ServicePorts)
// and what the node holds (observed rules, conntrack entries).
import type { Endpoint, NodeContext, ServicePort } from '../model/types.ts';
import { reachableEndpoints } from './reachable-endpoints.ts';

export interface PortObservation {
  readonly port: ServicePort;
  /** Dataplane.observe(servicePortName) text, or why it could not be read. */
  readonly rules: string;
  readonly conntrack: string;
}

function describeEndpoint(endpoint: Endpoint): string {
  const conditions = [
    endpoint.ready ? 'ready' : 'not ready',
    ...(endpoint.terminating ? ['terminating'] : []),
    ...(endpoint.serving && !endpoint.ready ? ['serving'] : []),
  ];
  return `${endpoint.endpoint} (${conditions.join(', ')}${endpoint.nodeName === undefined ? '' : `, node ${endpoint.nodeName}`}${endpoint.isLocal ? ', local' : ''})`;
}

function indent(text: string, prefix = '    '): string {
  const trimmed = text.trimEnd();
  return trimmed === ''
    ? `${prefix}(none)`
    : trimmed
        .split('\n')
        .map((line) => `${prefix}${line}`)
        .join('\n');
}

function describeAddresses(port: ServicePort): string[] {
  return [
    `  protocol ${port.protocol}, clusterIP ${port.clusterIP || '(none)'}:${port.port}`,
    ...(port.nodePort === 0 ? [] : [`  nodePort ${port.nodePort}`]),
    ...(port.externalIPs.length === 0 ? [] : [`  externalIPs ${port.externalIPs.join(', ')}`]),
    ...(port.loadBalancerVIPs.length === 0
      ? []
      : [
          `  load-balancer IPs ${port.loadBalancerVIPs.join(', ')}${port.loadBalancerSourceRanges.length === 0 ? '' : ` (source ranges ${port.loadBalancerSourceRanges.join(', ')})`}`,
        ]),
    `  policies: internal ${port.internalPolicyLocal ? 'Local' : 'Cluster'}, external ${port.externalPolicyLocal ? 'Local' : 'Cluster'}, affinity ${port.sessionAffinity.type}`,
  ];
}

export function formatExplain(
  node: NodeContext,
  observations: readonly PortObservation[],
  clientIP: string | undefined,
  modeName: string,
  where: string,
): string {
  const lines: string[] = [];
  for (const { port, rules, conntrack } of observations) {
    lines.push(`service port ${port.servicePortName}`, ...describeAddresses(port));
    lines.push(
      '  endpoints (as kpx sees them):',
      ...(port.endpoints.all.length === 0 ? ['    (none)'] : port.endpoints.all.map((e) => `    ${describeEndpoint(e)}`)),
    );
    lines.push(`  programmed now (${modeName}, ${where}):`, indent(rules));
    lines.push('  conntrack entries towards it:', indent(conntrack));
    if (clientIP !== undefined) {
      lines.push(`  from client ${clientIP} (node ${node.nodeName}):`);
      for (const reach of reachableEndpoints(port, node, clientIP)) {
        const targets = reach.endpoints.length === 0 ? 'no endpoint' : reach.endpoints.map((e) => e.endpoint).join(', ');
        lines.push(`    ${reach.kind} ${reach.address} -> ${targets}  [${reach.note}]`);
      }
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
