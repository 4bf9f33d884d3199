// The one table of flags: the parser, `--help` and the config resolver all read it, so the
// help text cannot drift from what is accepted. Flags that set a configuration field take
// that field's type and checks from config-fields.ts.
/* eslint-disable max-lines -- one row per kube-proxy and kpx flag, kept in one table on purpose (see above). */
import assert from 'node:assert/strict';
import { checkIPList, checkNonNegative, checkOneOf, checkRange, type Check } from './checks.ts';
import { FIELD_BY_PATH, type FieldSpec, type ValueKind } from './config-fields.ts';
import { LOCAL_MODES, PROXY_MODES, type KpxOptions } from './kube-proxy-config.ts';

export type Command = 'run' | 'render';

interface FlagBase {
  /** Long name without dashes. */
  readonly name: string;
  readonly shorthand?: string;
  readonly help: string;
  /** The commands that accept it. */
  readonly commands: readonly Command[];
  /** The type word `--help` shows (pflag's: string, duration, int32, strings, ip, ipport). */
  readonly typeName?: string;
  /** Commands that accept the flag for compatibility but have no use for it. */
  readonly ignoredBy?: readonly Command[];
  /**
   * With --config, `kpx run` (as kube-proxy) ignores the flags that set a configuration field,
   * except hostname-override and the logging flags; kpx-only options apply. This overrides
   * that default for one flag.
   */
  readonly withConfig?: 'applies' | 'ignored';
}

/** A flag setting a KubeProxyConfiguration field (by its file path). */
export interface FieldFlag extends FlagBase {
  readonly field: string;
}

/** A flag setting a kpx-only option. */
export type OptionFlag = FlagBase & {
  readonly option: keyof KpxOptions;
} & (
    | { readonly kind: 'bool' }
    | { readonly kind: 'string'; readonly check?: Check<string> }
    | { readonly kind: 'list'; readonly check?: Check<readonly string[]> }
    | { readonly kind: 'duration'; readonly check?: Check<number> }
    | { readonly kind: 'int'; readonly check?: Check<number> }
  );

export type FlagSpec = FieldFlag | OptionFlag;

const BOTH: readonly Command[] = ['run', 'render'];
const RUN: readonly Command[] = ['run'];
const RENDER: readonly Command[] = ['render'];

/** A name iproute2 keeps under /run/netns (the rule sys/netns.ts enforces). */
const checkNetnsName: Check<string> = (value) =>
  value === '' || (/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(value) && value !== '.' && value !== '..')
    ? undefined
    : 'must be a network namespace name: letters, digits, _ . - (at most 64, not starting with . or -)';

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'config',
    option: 'configFile',
    kind: 'string',
    commands: BOTH,
    help: 'The path to the configuration file (a KubeProxyConfiguration, YAML or JSON). With it, kpx run (as kube-proxy) ignores the flags that set a configuration field, except --hostname-override, -v and --logging-format, and warns about each one given; kpx render lets every flag override the file.',
  },
  {
    name: 'write-config-to',
    option: 'writeConfigTo',
    kind: 'string',
    commands: RUN,
    help: 'If set, write the effective configuration (defaults, the --config file, the flags) to this file as a KubeProxyConfiguration and exit.',
  },
  {
    name: 'init-only',
    option: 'initOnly',
    kind: 'bool',
    commands: RUN,
    help: "If true, perform the initialization steps that need full root privileges (sysctls: route_localnet, conntrack sizes and timeouts, the mode's kernel settings; the mode's kernel modules via modprobe), and then exit. After doing this, kpx run can run with only the NET_ADMIN and NET_RAW capabilities. Needs no API server.",
  },
  {
    name: 'feature-gates',
    option: 'featureGates',
    kind: 'list',
    withConfig: 'ignored',
    commands: RUN,
    typeName: 'mapStringBool',
    help: "A set of key=value pairs that describe feature gates for alpha/experimental features. kpx implements kube-proxy's behaviour with each gate at its default and has no gate that changes what it does: every gate is accepted, and one kpx does not follow (unknown, or set away from its default) is warned about.",
  },
  {
    name: 'proxy-mode',
    field: 'mode',
    commands: BOTH,
    typeName: 'ProxyMode',
    help: "Which proxy mode to use: 'iptables' (default), 'ipvs', 'nftables' or 'userspace'.",
  },
  {
    name: 'kubeconfig',
    field: 'clientConnection.kubeconfig',
    commands: BOTH,
    help: `Path to kubeconfig file with authorization information (the master location can be overridden by the master flag).`,
    ignoredBy: RENDER,
  },
  {
    name: 'master',
    option: 'master',
    kind: 'string',
    commands: BOTH,
    help: `The address of the Kubernetes API server (overrides any value in kubeconfig).`,
    ignoredBy: RENDER,
  },
  {
    name: 'kube-api-content-type',
    field: 'clientConnection.contentType',
    commands: BOTH,
    help: 'Content type of requests sent to apiserver. Accepted and ignored: kpx always asks for JSON (it has no protobuf decoder).',
    ignoredBy: RENDER,
  },
  {
    name: 'kube-api-burst',
    field: 'clientConnection.burst',
    commands: BOTH,
    help: 'Burst to use while talking with kubernetes apiserver. Accepted and ignored: kpx sends one list and one long-running watch per resource, and lists again only after a watch fails, with backoff; there is no request stream for a client-side limiter to shape.',
    ignoredBy: RENDER,
  },
  {
    name: 'kube-api-qps',
    field: 'clientConnection.qps',
    commands: BOTH,
    help: 'QPS to use while talking with kubernetes apiserver. Accepted and ignored, as --kube-api-burst.',
    ignoredBy: RENDER,
  },
  {
    name: 'hostname-override',
    field: 'hostnameOverride',
    commands: BOTH,
    withConfig: 'applies',
    help: "If non-empty, will be used as the name of the Node that kube-proxy is running on. If unset, the node name is assumed to be the same as the node's hostname.",
  },
  {
    name: 'bind-address',
    field: 'bindAddress',
    commands: BOTH,
    typeName: 'ip',
    help: "Overrides kube-proxy's idea of what its node's primary IP is. Note that the name is a historical artifact, and kube-proxy does not actually bind any sockets to this IP.",
  },
  {
    name: 'cluster-cidr',
    field: 'clusterCIDR',
    commands: BOTH,
    help: 'The CIDR range of the pods in the cluster. (For dual-stack clusters, this can be a comma-separated dual-stack pair of CIDR ranges.) When --detect-local-mode is set to ClusterCIDR, kube-proxy will consider traffic to be local if its source IP is in this range.',
  },
  {
    name: 'healthz-bind-address',
    field: 'healthzBindAddress',
    commands: BOTH,
    typeName: 'ipport',
    help: 'The IP address and port for the health check server to serve on. Set empty to disable.',
  },
  {
    name: 'metrics-bind-address',
    field: 'metricsBindAddress',
    commands: BOTH,
    typeName: 'ipport',
    help: "The IP address and port for the metrics server to serve on. (Set to '0.0.0.0:10249' / '[::]:10249' to bind on all interfaces.) Set empty to disable.",
  },
  {
    name: 'bind-address-hard-fail',
    field: 'bindAddressHardFail',
    commands: BOTH,
    help: 'If true kube-proxy will treat failure to bind to a port as fatal and exit. If false, a healthz or metrics server that cannot bind is logged, recorded as a Warning Event on the Node and retried every 5 s.',
    ignoredBy: RENDER,
  },
  {
    name: 'healthz-port',
    option: 'healthzPort',
    kind: 'int',
    check: checkRange(0, 65535),
    withConfig: 'ignored',
    commands: RUN,
    typeName: 'int32',
    help: 'DEPRECATED (use --healthz-bind-address): the port to bind the health check server. Use 0 to disable. Sets the port of a --healthz-bind-address given without one.',
  },
  {
    name: 'metrics-port',
    option: 'metricsPort',
    kind: 'int',
    check: checkRange(0, 65535),
    withConfig: 'ignored',
    commands: RUN,
    typeName: 'int32',
    help: 'DEPRECATED (use --metrics-bind-address): the port to bind the metrics server. Use 0 to disable. Sets the port of a --metrics-bind-address given without one.',
  },
  {
    name: 'profiling',
    field: 'enableProfiling',
    commands: RUN,
    help: 'If true enables profiling via web interface on /debug/pprof handler. Accepted; kpx serves no /debug/pprof (a Node process has no pprof; use node --inspect or --cpu-prof) and warns when it is set.',
  },
  {
    name: 'masquerade-all',
    field: 'iptables.masqueradeAll',
    commands: BOTH,
    help: 'SNAT all traffic sent via Service cluster IPs. This may be required with some CNI plugins.',
  },
  {
    name: 'nodeport-addresses',
    field: 'nodePortAddresses',
    commands: BOTH,
    help: "A list of CIDR ranges that contain valid node IPs, or alternatively, the single string 'primary'. If set to a list of CIDRs, connections to NodePort services will only be accepted on node IPs in one of the indicated ranges. If set to 'primary', NodePort services will only be accepted on the node's primary IP(s) according to the Node object. If unset, NodePort connections will be accepted on all local IPs.",
  },
  {
    name: 'iptables-sync-period',
    field: 'iptables.syncPeriod',
    commands: BOTH,
    help: "An interval (e.g. '5s', '1m', '2h22m') indicating how frequently various re-synchronizing and cleanup operations are performed. Must be greater than 0.",
  },
  {
    name: 'iptables-min-sync-period',
    field: 'iptables.minSyncPeriod',
    commands: BOTH,
    help: "The minimum period between iptables rule resyncs (e.g. '5s', '1m', '2h22m'). A value of 0 means every Service or EndpointSlice change will result in an immediate iptables resync.",
  },
  {
    name: 'iptables-masquerade-bit',
    field: 'iptables.masqueradeBit',
    commands: BOTH,
    help: 'If using the iptables or ipvs proxy mode, the bit of the fwmark space to mark packets requiring SNAT with. Must be within the range [0, 31].',
  },
  {
    name: 'iptables-localhost-nodeports',
    field: 'iptables.localhostNodePorts',
    commands: BOTH,
    help: 'If false, kube-proxy will disable the legacy behavior of allowing NodePort services to be accessed via localhost. (Applies only to iptables mode and IPv4.)',
  },
  {
    name: 'ipvs-scheduler',
    field: 'ipvs.scheduler',
    commands: BOTH,
    help: 'The ipvs scheduler type when proxy mode is ipvs: rr (default), wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq, fo, ovf, mh (with the mh-port flag, as upstream) or twos.',
  },
  {
    name: 'ipvs-sync-period',
    field: 'ipvs.syncPeriod',
    commands: BOTH,
    help: "An interval (e.g. '5s', '1m', '2h22m') indicating how frequently various re-synchronizing and cleanup operations are performed. Must be greater than 0.",
  },
  {
    name: 'ipvs-min-sync-period',
    field: 'ipvs.minSyncPeriod',
    commands: BOTH,
    help: "The minimum period between IPVS rule resyncs (e.g. '5s', '1m', '2h22m'). A value of 0 means every Service or EndpointSlice change will result in an immediate IPVS resync.",
  },
  { name: 'ipvs-strict-arp', field: 'ipvs.strictARP', commands: BOTH, help: 'Enable strict ARP by setting arp_ignore to 1 and arp_announce to 2.' },
  {
    name: 'ipvs-exclude-cidrs',
    field: 'ipvs.excludeCIDRs',
    commands: BOTH,
    help: 'A comma-separated list of CIDRs which the ipvs proxier should not touch when cleaning up IPVS rules.',
  },
  {
    name: 'ipvs-tcp-timeout',
    field: 'ipvs.tcpTimeout',
    commands: BOTH,
    help: "The timeout for idle IPVS TCP connections, 0 to leave as-is. (e.g. '5s', '1m', '2h22m').",
  },
  {
    name: 'ipvs-tcpfin-timeout',
    field: 'ipvs.tcpFinTimeout',
    commands: BOTH,
    help: "The timeout for IPVS TCP connections after receiving a FIN packet, 0 to leave as-is. (e.g. '5s', '1m', '2h22m').",
  },
  {
    name: 'ipvs-udp-timeout',
    field: 'ipvs.udpTimeout',
    commands: BOTH,
    help: "The timeout for IPVS UDP packets, 0 to leave as-is. (e.g. '5s', '1m', '2h22m').",
  },
  {
    name: 'udp-timeout',
    field: 'udpIdleTimeout',
    commands: BOTH,
    help: "How long an idle UDP connection will be kept open (e.g. '250ms', '2s'). Must be greater than 0. Only applicable for proxy-mode=userspace.",
  },
  {
    name: 'conntrack-max-per-core',
    field: 'conntrack.maxPerCore',
    commands: BOTH,
    help: 'Maximum number of NAT connections to track per CPU core (0 to leave the limit as-is and ignore conntrack-min).',
  },
  {
    name: 'conntrack-min',
    field: 'conntrack.min',
    commands: BOTH,
    help: 'Minimum number of conntrack entries to allocate, regardless of conntrack-max-per-core (set conntrack-max-per-core=0 to leave the limit as-is).',
  },
  {
    name: 'conntrack-tcp-timeout-established',
    field: 'conntrack.tcpEstablishedTimeout',
    commands: BOTH,
    help: 'Idle timeout for established TCP connections (0 to leave as-is).',
  },
  {
    name: 'conntrack-tcp-timeout-close-wait',
    field: 'conntrack.tcpCloseWaitTimeout',
    commands: BOTH,
    help: 'NAT timeout for TCP connections in the CLOSE_WAIT state.',
  },
  {
    name: 'conntrack-tcp-be-liberal',
    field: 'conntrack.tcpBeLiberal',
    commands: BOTH,
    help: 'Enable liberal mode for tracking TCP packets by setting nf_conntrack_tcp_be_liberal to 1.',
  },
  { name: 'conntrack-udp-timeout', field: 'conntrack.udpTimeout', commands: BOTH, help: 'Idle timeout for UNREPLIED UDP connections (0 to leave as-is).' },
  {
    name: 'conntrack-udp-timeout-stream',
    field: 'conntrack.udpStreamTimeout',
    commands: BOTH,
    help: 'Idle timeout for ASSURED UDP connections (0 to leave as-is).',
  },
  {
    name: 'config-sync-period',
    field: 'configSyncPeriod',
    commands: BOTH,
    help: 'How often configuration from the apiserver is refreshed. Must be greater than 0.',
  },
  {
    name: 'detect-local-mode',
    field: 'detectLocalMode',
    commands: BOTH,
    typeName: 'LocalMode',
    help: `Mode to use to detect local traffic: ${LOCAL_MODES.filter((mode) => mode !== '').join(', ')} (default ClusterCIDR).`,
  },
  {
    name: 'pod-bridge-interface',
    field: 'detectLocal.bridgeInterface',
    commands: BOTH,
    help: 'A bridge interface name. When --detect-local-mode is set to BridgeInterface, kube-proxy will consider traffic to be local if it originates from this bridge.',
  },
  {
    name: 'pod-interface-name-prefix',
    field: 'detectLocal.interfaceNamePrefix',
    commands: BOTH,
    help: 'An interface name prefix. When --detect-local-mode is set to InterfaceNamePrefix, kube-proxy will consider traffic to be local if it originates from any interface whose name begins with this prefix.',
  },
  {
    name: 'oom-score-adj',
    field: 'oomScoreAdj',
    commands: BOTH,
    help: 'The oom-score-adj value for kube-proxy process. Values must be within the range [-1000, 1000].',
  },
  { name: 'cleanup', option: 'cleanup', kind: 'bool', commands: RUN, help: 'If true cleanup iptables and ipvs rules and exit.' },
  {
    name: 'v',
    shorthand: 'v',
    field: 'logging.verbosity',
    commands: BOTH,
    typeName: 'Level',
    withConfig: 'applies',
    help: "Number for the log level verbosity: kube-proxy's V levels (0 always, 2 one line per sync, 4 and more detail).",
  },
  {
    name: 'logging-format',
    field: 'logging.format',
    commands: BOTH,
    withConfig: 'applies',
    help: 'Sets the log format. Permitted formats: "text" (klog\'s header and structured key=value pairs, on stderr), "json" (component-base\'s JSON lines: ts, caller, msg, v, on stderr).',
  },
  {
    name: 'version',
    option: 'version',
    kind: 'bool',
    commands: BOTH,
    help: "Print kpx's version and the kube-proxy version it tracks, and exit (every kpx command accepts it).",
  },
  {
    name: 'service-proxy-name',
    option: 'serviceProxyName',
    kind: 'string',
    commands: BOTH,
    help: 'kpx: serve only Services labelled service.kubernetes.io/service-proxy-name with this value. Empty (default): serve exactly the Services kube-proxy would (those without the label).',
  },
  {
    name: 'node-ip',
    option: 'nodeIPs',
    kind: 'list',
    check: checkIPList,
    commands: BOTH,
    typeName: 'ips',
    help: "kpx: this node's IP address(es), comma-separated, used when no Node object gives them.",
  },
  {
    name: 'mode',
    option: 'renderMode',
    kind: 'string',
    check: checkOneOf(PROXY_MODES.filter((mode) => mode !== '')),
    commands: RENDER,
    help: 'The mode to render: iptables, ipvs, nftables or userspace (default: --proxy-mode, else iptables).',
  },
  {
    name: 'filename',
    shorthand: 'f',
    option: 'filenames',
    kind: 'list',
    commands: RENDER,
    typeName: 'file',
    help: "A YAML or JSON file with Services, EndpointSlices and Nodes (multi-document, or a List as 'kubectl get -o yaml' prints); a directory reads every .yaml/.yml/.json in it; '-' reads stdin. Repeatable.",
  },
  {
    name: 'recursive',
    shorthand: 'R',
    option: 'recursive',
    kind: 'bool',
    commands: RENDER,
    help: 'Process the directories given with -f recursively, as kubectl -R does.',
  },
  {
    name: 'netns',
    option: 'netns',
    kind: 'string',
    check: checkNetnsName,
    commands: RUN,
    typeName: 'name',
    help: "kpx, for labs and tests: program the rules in this named network namespace (/run/netns/NAME) instead of the host's. Health, metrics and health-check node-port servers still listen in kpx's own namespace.",
  },
  {
    name: 'userspace-tcp-idle-timeout',
    option: 'userspaceTcpIdleTimeoutMs',
    kind: 'duration',
    check: checkNonNegative,
    commands: RUN,
    help: "kpx, userspace mode: close a proxied TCP or SCTP connection that has carried nothing either way for this long (e.g. '10m'). 0 (default) never does, as kube-proxy's userspace proxy.",
  },
  { name: 'help', shorthand: 'h', option: 'help', kind: 'bool', commands: BOTH, help: 'Print this help and exit.' },
];

/**
 * kube-proxy flags kpx does not implement: rejected like any unknown flag, but with a reason
 * that tells an operator migrating a DaemonSet what happened.
 */
export const UNSUPPORTED_KUBE_PROXY_FLAGS: ReadonlySet<string> = new Set([
  'show-hidden-metrics-for-version',
  'proxy-port-range',
  'vmodule',
  'log-flush-frequency',
  'log-text-split-stream',
  'log-text-info-buffer-size',
  'log-json-split-stream',
  'log-json-info-buffer-size',
  'windows-service',
  'boot-id-file',
  'machine-id-file',
  'add-dir-header',
  'alsologtostderr',
  'log-backtrace-at',
  'log-dir',
  'log-file',
  'log-file-max-size',
  'logtostderr',
  'one-output',
  'skip-headers',
  'skip-log-headers',
  'stderrthreshold',
]);

/** The value kind of a flag, from its field when it sets one. */
export function flagKind(flag: FlagSpec): ValueKind {
  return 'field' in flag ? fieldOf(flag).kind : flag.kind;
}

export function fieldOf(flag: FieldFlag): FieldSpec {
  const field = FIELD_BY_PATH.get(flag.field);
  assert(field !== undefined, `flag --${flag.name} names unknown field ${flag.field}`);
  return field;
}

/** Whether `kpx run` ignores this flag when --config is given (upstream's precedence). */
export function isIgnoredWithConfig(flag: FlagSpec): boolean {
  return (flag.withConfig ?? ('field' in flag ? 'ignored' : 'applies')) === 'ignored';
}

export function flagsFor(command: Command): readonly FlagSpec[] {
  return FLAGS.filter((flag) => flag.commands.includes(command));
}
