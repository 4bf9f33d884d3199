// A lab node's Node object, as the embedded API server holds it: its address, pod CIDR and the
// annotations its pod network publishes (flannel's VTEP for vxlan).
import type { RawObject } from '@kpx/agent/model/inputs.ts';

export interface LabNodeIdentity {
  readonly name: string;
  readonly ip: string;
  readonly podCIDR: string;
  readonly annotations: Readonly<Record<string, string>>;
}

export function labNodeObject(node: LabNodeIdentity): RawObject {
  const { name, ip: address, podCIDR } = node;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name },
      ...(Object.keys(node.annotations).length === 0 ? {} : { annotations: { ...node.annotations } }),
    },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: name },
      ],
    },
  };
}
