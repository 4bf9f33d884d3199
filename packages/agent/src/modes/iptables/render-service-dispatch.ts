// One service port's rules in the shared top-level chains (KUBE-SERVICES, KUBE-NODEPORTS,
// KUBE-EXTERNAL-SERVICES, KUBE-PROXY-FIREWALL). Upstream rewrites these on every sync; kpx
// leaves a chain out of a partial sync when no changed port's rules in it differ (see
// render-dispatch-changes.ts), and otherwise renders it for every port.
import { LOCALHOST_NODEPORTS_ACCEPTED_COUNTER } from './nfacct-counters.ts';
import { LineBuffer } from '../../netfilter/restore-text.ts';
import type { PortPolicy } from './render-port-policy.ts';

/** The top-level chains' rule buffers, one per (table, chain). */
export interface DispatchBuffers {
  readonly natServices: LineBuffer;
  readonly natNodePorts: LineBuffer;
  readonly filterServices: LineBuffer;
  readonly filterExternalServices: LineBuffer;
  readonly filterNodePorts: LineBuffer;
  readonly filterProxyFirewall: LineBuffer;
}

/** Which top-level chain a dispatch buffer fills, e.g. `natServices` for nat KUBE-SERVICES. */
export type DispatchChain = keyof DispatchBuffers;

export const DISPATCH_CHAINS: readonly DispatchChain[] = [
  'natServices',
  'natNodePorts',
  'filterServices',
  'filterExternalServices',
  'filterNodePorts',
  'filterProxyFirewall',
];

export function newDispatchBuffers(): DispatchBuffers {
  return {
    natServices: new LineBuffer(),
    natNodePorts: new LineBuffer(),
    filterServices: new LineBuffer(),
    filterExternalServices: new LineBuffer(),
    filterNodePorts: new LineBuffer(),
    filterProxyFirewall: new LineBuffer(),
  };
}

/** Whether localhost node-port packets are counted (the nfacct counter exists, IPv4 with localhost node ports). */
export interface DispatchCounters {
  readonly countsLocalhostNodePorts: boolean;
}

const NO_COUNTERS: DispatchCounters = { countsLocalhostNodePorts: false };

export function renderServiceDispatch(policy: PortPolicy, out: DispatchBuffers, counters: DispatchCounters = NO_COUNTERS): void {
  renderClusterIP(policy, out);
  renderExternalIPs(policy, out);
  renderLoadBalancerIPs(policy, out);
  renderNodePort(policy, out, counters);
  renderHealthCheckNodePort(policy, out);
}

function renderClusterIP(policy: PortPolicy, out: DispatchBuffers): void {
  const { servicePort: sp, protocol: p } = policy;
  const match = `-m ${p} -p ${p} -d ${sp.clusterIP} --dport ${sp.port}`;
  if (policy.hasInternalEndpoints) {
    out.natServices.writeLine(`-A KUBE-SERVICES -m comment --comment "${sp.servicePortName} cluster IP" ${match} -j ${policy.internalTrafficChain}`);
  } else if (policy.internalFilter !== undefined) {
    const { comment, target } = policy.internalFilter;
    out.filterServices.writeLine(`-A KUBE-SERVICES -m comment --comment ${comment} ${match} -j ${target}`);
  }
}

function renderExternalIPs(policy: PortPolicy, out: DispatchBuffers): void {
  const { servicePort: sp, protocol: p } = policy;
  for (const externalIP of sp.externalIPs) {
    const match = `-m ${p} -p ${p} -d ${externalIP} --dport ${sp.port}`;
    if (policy.hasEndpoints) {
      out.natServices.writeLine(`-A KUBE-SERVICES -m comment --comment "${sp.servicePortName} external IP" ${match} -j ${policy.chains.external}`);
    }
    if (policy.externalFilter !== undefined) {
      const { comment, target } = policy.externalFilter;
      out.filterExternalServices.writeLine(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${comment} ${match} -j ${target}`);
    }
  }
}

function renderLoadBalancerIPs(policy: PortPolicy, out: DispatchBuffers): void {
  const { servicePort: sp, protocol: p } = policy;
  for (const vip of sp.loadBalancerVIPs) {
    const match = `-m ${p} -p ${p} -d ${vip} --dport ${sp.port}`;
    if (policy.hasEndpoints) {
      out.natServices.writeLine(`-A KUBE-SERVICES -m comment --comment "${sp.servicePortName} loadbalancer IP" ${match} -j ${policy.loadBalancerTrafficChain}`);
    }
    if (policy.usesFirewallChain) {
      const comment = `"${sp.servicePortName} traffic not accepted by ${policy.chains.firewall}"`;
      out.filterProxyFirewall.writeLine(`-A KUBE-PROXY-FIREWALL -m comment --comment ${comment} ${match} -j DROP`);
    }
  }
  if (policy.externalFilter !== undefined) {
    const { comment, target } = policy.externalFilter;
    for (const vip of sp.loadBalancerVIPs) {
      out.filterExternalServices.writeLine(
        `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${comment} -m ${p} -p ${p} -d ${vip} --dport ${sp.port} -j ${target}`,
      );
    }
  }
}

function renderNodePort(policy: PortPolicy, out: DispatchBuffers, counters: DispatchCounters): void {
  const { servicePort: sp, protocol: p } = policy;
  if (sp.nodePort === 0) return;
  if (policy.hasEndpoints && counters.countsLocalhostNodePorts) {
    // As upstream: the same jump for 127.0.0.0/8 first, only to count those packets.
    out.natNodePorts.writeLine(
      `-A KUBE-NODEPORTS -m comment --comment ${sp.servicePortName} -m ${p} -p ${p} -d 127.0.0.0/8 --dport ${sp.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NODEPORTS_ACCEPTED_COUNTER} -j ${policy.chains.external}`,
    );
  }
  if (policy.hasEndpoints) {
    out.natNodePorts.writeLine(
      `-A KUBE-NODEPORTS -m comment --comment ${sp.servicePortName} -m ${p} -p ${p} --dport ${sp.nodePort} -j ${policy.chains.external}`,
    );
  }
  if (policy.externalFilter !== undefined) {
    const { comment, target } = policy.externalFilter;
    out.filterExternalServices.writeLine(
      `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${comment} -m addrtype --dst-type LOCAL -m ${p} -p ${p} --dport ${sp.nodePort} -j ${target}`,
    );
  }
}

function renderHealthCheckNodePort(policy: PortPolicy, out: DispatchBuffers): void {
  const sp = policy.servicePort;
  if (sp.healthCheckNodePort === 0) return;
  // Accepted whether or not this node has local endpoints: the health check answers either way.
  out.filterNodePorts.writeLine(
    `-A KUBE-NODEPORTS -m comment --comment "${sp.servicePortName} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`,
  );
}
