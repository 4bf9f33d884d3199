// Field numbers of the Kubernetes protobuf messages kubectl's typed create commands send
// (`kubectl create namespace`, `kubectl create service …`), from k8s.io/api core/v1 and
// apimachinery meta/v1 generated.proto. Pure.

export type FieldType = 'string' | 'int' | 'bool' | 'time' | 'intOrString' | 'stringMap' | { readonly message: MessageSchema };

export interface FieldSchema {
  readonly name: string;
  readonly type: FieldType;
  readonly repeated?: boolean;
  /** A pointer field in Go: false/0 is a value, not "unset". */
  readonly keepZero?: boolean;
}

export type MessageSchema = Readonly<Record<number, FieldSchema>>;

const OWNER_REFERENCE: MessageSchema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool', keepZero: true },
  7: { name: 'blockOwnerDeletion', type: 'bool', keepZero: true },
};

export const OBJECT_META: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  4: { name: 'selfLink', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int', keepZero: true },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: { message: OWNER_REFERENCE }, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const SERVICE_PORT: MessageSchema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int' },
  4: { name: 'targetPort', type: 'intOrString' },
  5: { name: 'nodePort', type: 'int' },
  6: { name: 'appProtocol', type: 'string' },
};

const SERVICE_SPEC: MessageSchema = {
  1: { name: 'ports', type: { message: SERVICE_PORT }, repeated: true },
  2: { name: 'selector', type: 'stringMap' },
  3: { name: 'clusterIP', type: 'string' },
  4: { name: 'type', type: 'string' },
  5: { name: 'externalIPs', type: 'string', repeated: true },
  7: { name: 'sessionAffinity', type: 'string' },
  8: { name: 'loadBalancerIP', type: 'string' },
  9: { name: 'loadBalancerSourceRanges', type: 'string', repeated: true },
  10: { name: 'externalName', type: 'string' },
  11: { name: 'externalTrafficPolicy', type: 'string' },
  12: { name: 'healthCheckNodePort', type: 'int' },
  13: { name: 'publishNotReadyAddresses', type: 'bool' },
  14: {
    name: 'sessionAffinityConfig',
    type: { message: { 1: { name: 'clientIP', type: { message: { 1: { name: 'timeoutSeconds', type: 'int', keepZero: true } } } } } },
  },
  17: { name: 'ipFamilyPolicy', type: 'string' },
  18: { name: 'clusterIPs', type: 'string', repeated: true },
  19: { name: 'ipFamilies', type: 'string', repeated: true },
  20: { name: 'allocateLoadBalancerNodePorts', type: 'bool', keepZero: true },
  21: { name: 'loadBalancerClass', type: 'string' },
  22: { name: 'internalTrafficPolicy', type: 'string' },
  23: { name: 'trafficDistribution', type: 'string' },
};

/** The object messages, by apiVersion/kind; field 1 is always metadata. */
export const OBJECT_SCHEMAS: Readonly<Record<string, MessageSchema>> = {
  'v1/Namespace': {
    1: { name: 'metadata', type: { message: OBJECT_META } },
    2: { name: 'spec', type: { message: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
  },
  'v1/Service': {
    1: { name: 'metadata', type: { message: OBJECT_META } },
    2: { name: 'spec', type: { message: SERVICE_SPEC } },
  },
};
