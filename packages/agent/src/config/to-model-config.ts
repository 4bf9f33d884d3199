// From the resolved kube-proxy configuration to what the model needs (ModelConfig), deciding
// the node name, the IP families kpx serves (one ModelConfig each) and the local-traffic
// detector of each family as kube-proxy does.
import { cidrFamilyOf, ipFamilyOf } from './checks.ts';
import type { ResolvedConfig } from './resolve-config.ts';
import { nodeHostIPs, nodePodCIDRs } from './node-addresses.ts';
import { effectiveProxyMode, type KubeProxyConfig } from './kube-proxy-config.ts';
import type { ModelConfig, RawObject } from '../model/inputs.ts';
import type { IPFamily, LocalDetector } from '../model/types.ts';

export interface ModelConfigContext {
  /** os.hostname(), used when there is no hostname override. */
  readonly osHostname: string;
  /** This node's Node object, when known: its IPs decide the IP family, its pod CIDRs serve NodeCIDR mode. */
  readonly node?: RawObject;
}

/** The node name, as upstream's GetHostname: the override else the OS hostname, trimmed and lowercased. */
export function resolveNodeName(config: KubeProxyConfig, osHostname: string): string {
  const override = config.hostnameOverride.trim();
  return (override === '' ? osHostname.trim() : override).toLowerCase();
}

/** The ModelConfig of the primary family (upstream's single-stack proxier). */
export function toModelConfig(resolved: ResolvedConfig, context: ModelConfigContext): ModelConfig {
  return modelConfigFor(resolved, context, primaryIPFamily(resolved, context.node));
}

/** One ModelConfig per family served, primary first (upstream's per-family proxiers). */
export function toModelConfigs(resolved: ResolvedConfig, context: ModelConfigContext): ModelConfig[] {
  return servedIPFamilies(resolved, context.node).map((ipFamily) => modelConfigFor(resolved, context, ipFamily));
}

/** The ModelConfig of one family; the node IPs, cluster CIDR and localhost node ports are that family's. */
export function modelConfigFor(resolved: ResolvedConfig, context: ModelConfigContext, ipFamily: IPFamily): ModelConfig {
  const { config, options } = resolved;
  // A specific --bind-address overrides the node's IP of its family (upstream's detectNodeIPs);
  // --node-ip stands in for a Node object only when none gives addresses.
  const bindFamily = isSpecificIP(config.bindAddress) ? ipFamilyOf(config.bindAddress) : undefined;
  const override = bindFamily === ipFamily ? [config.bindAddress] : nodeHostIPs(context.node).length === 0 ? options.nodeIPs : [];
  const nodeIPOverride = [...new Set(override)].filter((ip) => ipFamilyOf(ip) === ipFamily);
  const nftables = effectiveProxyMode(config) === 'nftables';
  return {
    hostname: resolveNodeName(config, context.osHostname),
    ipFamily,
    nodeIPOverride,
    detectLocal: localDetector(config, ipFamily, nodePodCIDRs(context.node)),
    masqueradeAll: nftables ? config.nftables.masqueradeAll : config.iptables.masqueradeAll,
    masqueradeBit: nftables ? config.nftables.masqueradeBit : config.iptables.masqueradeBit,
    nodePortAddresses: [...config.nodePortAddresses],
    localhostNodePorts: config.iptables.localhostNodePorts && ipFamily === 'IPv4',
    serviceProxyName: options.serviceProxyName,
  };
}

/**
 * The families kpx serves, primary first: both when the node has IPs of both (its Node
 * object's addresses, a specific --bind-address, else --node-ip), else the primary alone.
 * Upstream runs dual-stack whenever the host supports both families; kpx also asks for a
 * node IP of each, so that a single-stack node keeps one proxier (the daemon further drops
 * a family whose dataplane cannot be set up, as upstream's platformCheckSupported).
 */
export function servedIPFamilies(resolved: ResolvedConfig, node: RawObject | undefined): IPFamily[] {
  const { config, options } = resolved;
  const primary = primaryIPFamily(resolved, node);
  const fromNode = nodeHostIPs(node);
  const known = [...(isSpecificIP(config.bindAddress) ? [config.bindAddress] : []), ...(fromNode.length > 0 ? fromNode : options.nodeIPs)];
  const secondary: IPFamily = primary === 'IPv4' ? 'IPv6' : 'IPv4';
  return known.some((ip) => ipFamilyOf(ip) === secondary) ? [primary, secondary] : [primary];
}

/**
 * Upstream's detectNodeIPs: a specific --bind-address decides, else the Node's first IP. kpx
 * serves one family, so without either it also looks at --node-ip and then at a single-family
 * --cluster-cidr before falling back to IPv4 as kube-proxy does.
 */
export function primaryIPFamily(resolved: ResolvedConfig, node: RawObject | undefined): IPFamily {
  const { config, options } = resolved;
  if (isSpecificIP(config.bindAddress)) return ipFamilyOf(config.bindAddress) ?? 'IPv4';
  const fromNode = nodeHostIPs(node)[0] ?? options.nodeIPs[0];
  const nodeFamily = fromNode === undefined ? undefined : ipFamilyOf(fromNode);
  if (nodeFamily !== undefined) return nodeFamily;
  const cidrFamilies = new Set(
    config.clusterCIDR
      .split(',')
      .filter((cidr) => cidr !== '')
      .map(cidrFamilyOf),
  );
  const [onlyFamily] = cidrFamilies;
  return cidrFamilies.size === 1 && onlyFamily !== undefined ? onlyFamily : 'IPv4';
}

/** Upstream's getLocalDetectors, for the one family served: the first CIDR of that family. */
function localDetector(config: KubeProxyConfig, ipFamily: IPFamily, podCIDRs: readonly string[]): LocalDetector {
  switch (config.detectLocalMode) {
    case '':
    case 'ClusterCIDR': {
      const cidr = config.clusterCIDR.split(',').find((candidate) => cidrFamilyOf(candidate) === ipFamily);
      return cidr === undefined ? { mode: 'None' } : { mode: 'ClusterCIDR', cidrs: [cidr] };
    }
    case 'NodeCIDR': {
      const cidr = podCIDRs.find((candidate) => cidrFamilyOf(candidate) === ipFamily);
      return cidr === undefined ? { mode: 'None' } : { mode: 'NodeCIDR', cidrs: [cidr] };
    }
    case 'BridgeInterface':
      return { mode: 'BridgeInterface', interfaceName: config.detectLocal.bridgeInterface };
    case 'InterfaceNamePrefix':
      return { mode: 'InterfaceNamePrefix', interfacePrefix: config.detectLocal.interfaceNamePrefix };
  }
}

/** A bind address that names an IP, as opposed to 0.0.0.0 / :: (upstream's !IsUnspecified()). */
function isSpecificIP(address: string): boolean {
  const family = ipFamilyOf(address);
  if (family === 'IPv4') return address !== '0.0.0.0';
  return family === 'IPv6' && address.replace(/[:0]/g, '') !== '';
}
