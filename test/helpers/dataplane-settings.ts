// DataplaneSettings for tests and benches: kube-proxy's defaults (the host, IPv4, node ports on
// every local address, localhost node ports on), the mode's own options, and what a test changes.
import { newNodePortAddresses } from '@kpx/agent/model/node-port-addresses.ts';
import type { DataplaneSettings } from '@kpx/agent/modes/mode.ts';

type NodeSettings = Omit<DataplaneSettings<unknown>, 'options'>;

export function dataplaneSettings<Options>(options: Options, node: Partial<NodeSettings> = {}): DataplaneSettings<Options> {
  const ipFamily = node.ipFamily ?? 'IPv4';
  return {
    netns: '',
    ipFamily,
    localhostNodePorts: true,
    nodePortAddresses: newNodePortAddresses(ipFamily, [], undefined),
    ...node,
    options,
  };
}
