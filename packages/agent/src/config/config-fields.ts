// Every field of a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) file that kpx
// accepts, in one table: the file decoder, the flag table and the validator all read it.
import { checkCIDRList, checkHostPort, checkIP, checkNonNegative, checkOneOf, checkPositive, checkRange, type Check } from './checks.ts';
import { IPVS_SCHEDULERS, LOCAL_MODES, LOG_FORMATS, PROXY_MODES } from './kube-proxy-config.ts';

export type ValueKind = 'bool' | 'string' | 'int' | 'float' | 'duration' | 'list';
export type FieldValue = boolean | string | number | readonly string[];

interface FieldBase {
  /** The field's path in the file, e.g. `iptables.syncPeriod`. */
  readonly path: string;
  /** Where the value goes in KubeProxyConfig (durations get an `Ms` suffix); absent for fields kpx only accepts at their zero value. */
  readonly target?: string;
  /**
   * kube-proxy's defaulting: 'pointer' fields take the default only when absent or null;
   * 'zero' fields also when set to their zero value (upstream's `if x == 0 { x = default }`).
   */
  readonly defaulting?: 'pointer' | 'zero';
}

export type FieldSpec = FieldBase &
  (
    | { readonly kind: 'bool'; readonly check?: Check<boolean> }
    | { readonly kind: 'string'; readonly check?: Check<string> }
    | { readonly kind: 'int' | 'float' | 'duration'; readonly check?: Check<number> }
    | { readonly kind: 'list'; readonly check?: Check<readonly string[]> }
  );

const nonNegativeInt32 = checkRange(0, 2_147_483_647);

export const CONFIG_FIELDS: readonly FieldSpec[] = [
  { path: 'clientConnection.kubeconfig', target: 'clientConnection.kubeconfig', kind: 'string' },
  { path: 'clientConnection.acceptContentTypes', target: 'clientConnection.acceptContentTypes', kind: 'string' },
  { path: 'clientConnection.contentType', target: 'clientConnection.contentType', kind: 'string', defaulting: 'zero' },
  { path: 'clientConnection.qps', target: 'clientConnection.qps', kind: 'float', defaulting: 'zero' },
  { path: 'clientConnection.burst', target: 'clientConnection.burst', kind: 'int', check: nonNegativeInt32, defaulting: 'zero' },
  { path: 'logging.verbosity', target: 'logging.verbosity', kind: 'int', check: nonNegativeInt32 },
  { path: 'logging.format', target: 'logging.format', kind: 'string', check: checkOneOf(LOG_FORMATS), defaulting: 'zero' },
  { path: 'hostnameOverride', target: 'hostnameOverride', kind: 'string' },
  { path: 'bindAddress', target: 'bindAddress', kind: 'string', check: checkIP, defaulting: 'zero' },
  { path: 'healthzBindAddress', target: 'healthzBindAddress', kind: 'string', check: checkHostPort, defaulting: 'zero' },
  { path: 'metricsBindAddress', target: 'metricsBindAddress', kind: 'string', check: checkHostPort, defaulting: 'zero' },
  { path: 'bindAddressHardFail', target: 'bindAddressHardFail', kind: 'bool' },
  { path: 'enableProfiling', target: 'enableProfiling', kind: 'bool' },
  { path: 'mode', target: 'mode', kind: 'string', check: checkOneOf(PROXY_MODES) },
  { path: 'iptables.masqueradeBit', target: 'iptables.masqueradeBit', kind: 'int', check: checkRange(0, 31), defaulting: 'pointer' },
  { path: 'iptables.masqueradeAll', target: 'iptables.masqueradeAll', kind: 'bool' },
  { path: 'iptables.localhostNodePorts', target: 'iptables.localhostNodePorts', kind: 'bool', defaulting: 'pointer' },
  { path: 'iptables.syncPeriod', target: 'iptables.syncPeriodMs', kind: 'duration', defaulting: 'zero' },
  { path: 'iptables.minSyncPeriod', target: 'iptables.minSyncPeriodMs', kind: 'duration', check: checkNonNegative, defaulting: 'zero' },
  { path: 'ipvs.syncPeriod', target: 'ipvs.syncPeriodMs', kind: 'duration', defaulting: 'zero' },
  { path: 'ipvs.minSyncPeriod', target: 'ipvs.minSyncPeriodMs', kind: 'duration', check: checkNonNegative },
  { path: 'ipvs.scheduler', target: 'ipvs.scheduler', kind: 'string', check: checkOneOf(IPVS_SCHEDULERS) },
  { path: 'ipvs.excludeCIDRs', target: 'ipvs.excludeCIDRs', kind: 'list', check: checkCIDRList },
  { path: 'ipvs.strictARP', target: 'ipvs.strictARP', kind: 'bool' },
  { path: 'ipvs.tcpTimeout', target: 'ipvs.tcpTimeoutMs', kind: 'duration', check: checkNonNegative },
  { path: 'ipvs.tcpFinTimeout', target: 'ipvs.tcpFinTimeoutMs', kind: 'duration', check: checkNonNegative },
  { path: 'ipvs.udpTimeout', target: 'ipvs.udpTimeoutMs', kind: 'duration', check: checkNonNegative },
  { path: 'nftables.masqueradeBit', target: 'nftables.masqueradeBit', kind: 'int', check: checkRange(0, 31), defaulting: 'pointer' },
  { path: 'nftables.masqueradeAll', target: 'nftables.masqueradeAll', kind: 'bool' },
  { path: 'nftables.syncPeriod', target: 'nftables.syncPeriodMs', kind: 'duration', defaulting: 'zero' },
  { path: 'nftables.minSyncPeriod', target: 'nftables.minSyncPeriodMs', kind: 'duration', check: checkNonNegative, defaulting: 'zero' },
  { path: 'detectLocalMode', target: 'detectLocalMode', kind: 'string', check: checkOneOf(LOCAL_MODES) },
  { path: 'detectLocal.bridgeInterface', target: 'detectLocal.bridgeInterface', kind: 'string' },
  { path: 'detectLocal.interfaceNamePrefix', target: 'detectLocal.interfaceNamePrefix', kind: 'string' },
  { path: 'clusterCIDR', target: 'clusterCIDR', kind: 'string' },
  { path: 'nodePortAddresses', target: 'nodePortAddresses', kind: 'list' },
  { path: 'oomScoreAdj', target: 'oomScoreAdj', kind: 'int', check: checkRange(-1000, 1000), defaulting: 'pointer' },
  { path: 'conntrack.maxPerCore', target: 'conntrack.maxPerCore', kind: 'int', check: nonNegativeInt32, defaulting: 'pointer' },
  { path: 'conntrack.min', target: 'conntrack.min', kind: 'int', check: nonNegativeInt32, defaulting: 'pointer' },
  {
    path: 'conntrack.tcpEstablishedTimeout',
    target: 'conntrack.tcpEstablishedTimeoutMs',
    kind: 'duration',
    check: checkNonNegative,
    defaulting: 'pointer',
  },
  { path: 'conntrack.tcpCloseWaitTimeout', target: 'conntrack.tcpCloseWaitTimeoutMs', kind: 'duration', check: checkNonNegative, defaulting: 'pointer' },
  { path: 'conntrack.tcpBeLiberal', target: 'conntrack.tcpBeLiberal', kind: 'bool' },
  { path: 'conntrack.udpTimeout', target: 'conntrack.udpTimeoutMs', kind: 'duration', check: checkNonNegative },
  { path: 'conntrack.udpStreamTimeout', target: 'conntrack.udpStreamTimeoutMs', kind: 'duration', check: checkNonNegative },
  { path: 'configSyncPeriod', target: 'configSyncPeriodMs', kind: 'duration', defaulting: 'zero' },
  // Written by `kube-proxy --write-config-to` and kubeadm; kpx has no use for a value other than the zero one.
  { path: 'showHiddenMetricsForVersion', kind: 'string' },
  { path: 'portRange', kind: 'string' },
  { path: 'windowsRunAsService', kind: 'bool' },
  { path: 'winkernel.networkName', kind: 'string' },
  { path: 'winkernel.sourceVip', kind: 'string' },
  { path: 'winkernel.enableDSR', kind: 'bool' },
  { path: 'winkernel.rootHnsEndpointName', kind: 'string' },
  { path: 'winkernel.forwardHealthCheckVip', kind: 'bool' },
  { path: 'iptables.snatNodeInternalIP', kind: 'bool' },
  { path: 'conntrack.udpIdleTimeout', kind: 'duration' },
  { path: 'udpIdleTimeout', target: 'udpIdleTimeoutMs', kind: 'duration', check: checkPositive, defaulting: 'zero' },
];

/**
 * Sub-trees kube-proxy writes that describe klog internals (buffer sizes, flush timing,
 * per-module verbosity): accepted whatever their content, they have no counterpart in pino.
 */
export const INERT_SUBTREES: readonly string[] = ['logging.flushFrequency', 'logging.options', 'logging.vmodule'];

export const FIELD_BY_PATH: ReadonlyMap<string, FieldSpec> = new Map(CONFIG_FIELDS.map((field) => [field.path, field]));

/** The top-level and nested section names (`iptables`, `conntrack`, …). */
export const SECTIONS: ReadonlySet<string> = new Set(
  [...CONFIG_FIELDS.map((field) => field.path), ...INERT_SUBTREES].flatMap((path) => {
    const parts = path.split('.');
    return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('.'));
  }),
);
