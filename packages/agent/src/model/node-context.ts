// The NodeContext of a DesiredState: proxy configuration plus what the Node object says.
import type { ModelConfig } from './inputs.ts';
import type { ParsedNode } from './parse-node.ts';
import type { LocalDetector, NodeContext } from './types.ts';
import { isParsedIP, parseIP } from './validate/ip.ts';

function freezeDetector(detector: LocalDetector): LocalDetector {
  if (detector.mode === 'ClusterCIDR' || detector.mode === 'NodeCIDR') {
    return Object.freeze({ mode: detector.mode, cidrs: Object.freeze([...detector.cidrs]) });
  }
  return Object.freeze({ ...detector });
}

/** --node-ip of this family (canonical) when given, else the Node object's address. */
function selectNodeIPs(config: ModelConfig, node: ParsedNode | undefined): readonly string[] {
  const overrides: string[] = [];
  for (const text of config.nodeIPOverride) {
    const parsed = parseIP(text);
    if (isParsedIP(parsed) && parsed.family === config.ipFamily && !overrides.includes(parsed.ip)) overrides.push(parsed.ip);
  }
  if (overrides.length > 0) return Object.freeze(overrides);
  return node?.nodeIPs ?? Object.freeze([]);
}

/** The interface addresses of the family, canonical, each once. */
function selectLocalAddresses(config: ModelConfig): readonly string[] {
  const addresses: string[] = [];
  for (const text of config.localAddresses ?? []) {
    const parsed = parseIP(text);
    if (isParsedIP(parsed) && parsed.family === config.ipFamily && !addresses.includes(parsed.ip)) addresses.push(parsed.ip);
  }
  return Object.freeze(addresses);
}

export function makeNodeContext(config: ModelConfig, node: ParsedNode | undefined): NodeContext {
  return Object.freeze({
    nodeName: config.hostname,
    ipFamily: config.ipFamily,
    nodeIPs: selectNodeIPs(config, node),
    zone: node?.zone,
    detectLocal: freezeDetector(config.detectLocal),
    masqueradeAll: config.masqueradeAll,
    masqueradeBit: config.masqueradeBit,
    nodePortAddresses: Object.freeze([...config.nodePortAddresses]),
    localAddresses: selectLocalAddresses(config),
    nfacctCounters: Object.freeze([...(config.nfacctCounters ?? [])]),
    localhostNodePorts: config.localhostNodePorts,
  });
}
