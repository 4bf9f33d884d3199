// KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) as kpx holds it once resolved:
// the file's field names and structure, durations in milliseconds, defaults applied.

export const CONFIG_API_VERSION = 'kubeproxy.config.k8s.io/v1alpha1';
export const CONFIG_KIND = 'KubeProxyConfiguration';

/** `--proxy-mode` / `mode`: '' means kube-proxy's default (iptables on Linux). */
export const PROXY_MODES = ['', 'iptables', 'ipvs', 'nftables', 'userspace'] as const;
export type ProxyModeSetting = (typeof PROXY_MODES)[number];

/** `--detect-local-mode` / `detectLocalMode`: '' means ClusterCIDR. */
export const LOCAL_MODES = ['', 'ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'] as const;
export type LocalModeSetting = (typeof LOCAL_MODES)[number];

/**
 * IPVS schedulers accepted ('' = rr): every one a stock kernel ships (ip_vs_<name>), as
 * modes/ipvs/options.ts lists them. Upstream's old validation knew only the first ten, but its
 * proxier handles mh (with the source-port flag) and since 1.27 it checks the scheduler by
 * creating a virtual server with it, so any scheduler the kernel has is usable.
 */
export const IPVS_SCHEDULERS = ['', 'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;

export const LOG_FORMATS = ['text', 'json'] as const;

export interface KubeProxyConfig {
  clientConnection: {
    kubeconfig: string;
    acceptContentTypes: string;
    contentType: string;
    qps: number;
    burst: number;
  };
  logging: { verbosity: number; format: string };
  hostnameOverride: string;
  bindAddress: string;
  /** '' disables the server. */
  healthzBindAddress: string;
  /** '' disables the server. */
  metricsBindAddress: string;
  bindAddressHardFail: boolean;
  /** Accepted; kpx serves no /debug/pprof (Node has no pprof): a warning says so. */
  enableProfiling: boolean;
  /** `featureGates`: name → enabled, as given (see feature-gates.ts for what kpx does with them). */
  featureGates: Record<string, boolean>;
  mode: ProxyModeSetting;
  iptables: {
    masqueradeBit: number;
    masqueradeAll: boolean;
    localhostNodePorts: boolean;
    syncPeriodMs: number;
    minSyncPeriodMs: number;
  };
  ipvs: {
    syncPeriodMs: number;
    minSyncPeriodMs: number;
    scheduler: string;
    excludeCIDRs: string[];
    strictARP: boolean;
    tcpTimeoutMs: number;
    tcpFinTimeoutMs: number;
    udpTimeoutMs: number;
  };
  nftables: { masqueradeBit: number; masqueradeAll: boolean; syncPeriodMs: number; minSyncPeriodMs: number };
  detectLocalMode: LocalModeSetting;
  detectLocal: { bridgeInterface: string; interfaceNamePrefix: string };
  /** Comma-separated, as in the file: one CIDR or a dual-stack pair. */
  clusterCIDR: string;
  /** CIDRs, or the single keyword 'primary'; empty = all local IPs. */
  nodePortAddresses: string[];
  oomScoreAdj: number;
  conntrack: {
    maxPerCore: number;
    min: number;
    tcpEstablishedTimeoutMs: number;
    tcpCloseWaitTimeoutMs: number;
    tcpBeLiberal: boolean;
    udpTimeoutMs: number;
    udpStreamTimeoutMs: number;
  };
  configSyncPeriodMs: number;
  /** The userspace mode's UDP session idle timeout (kube-proxy's udpIdleTimeout / --udp-timeout). */
  udpIdleTimeoutMs: number;
}

/** Settings kpx takes as flags only (they have no KubeProxyConfiguration field). */
export interface KpxOptions {
  configFile: string;
  master: string;
  cleanup: boolean;
  /** `--init-only`: the privileged start-up steps (sysctls, kernel modules), then exit. */
  initOnly: boolean;
  /** `--write-config-to`: write the effective configuration there and exit. */
  writeConfigTo: string;
  /** `--feature-gates` as given (`Name=true` items); applied only without --config, as upstream. */
  featureGates: string[];
  /** Deprecated `--healthz-port` / `--metrics-port` (upstream's defaults); applied only without --config. */
  healthzPort: number;
  metricsPort: number;
  /** `--version` (handled by the command dispatcher; listed here so `--help` shows it). */
  version: boolean;
  /** `--service-proxy-name`: '' serves exactly what kube-proxy would. */
  serviceProxyName: string;
  /** `--node-ip`: the node's addresses when no Node object gives them. */
  nodeIPs: string[];
  /** `kpx render --mode`. */
  renderMode: string;
  /** `kpx render -f`, in order. */
  filenames: string[];
  /** `kpx render -R`: read directories given with -f recursively, as kubectl -R. */
  recursive: boolean;
  help: boolean;
  /** `kpx run --netns`: program this network namespace instead of the host's (labs, tests). */
  netns: string;
  /** `--userspace-tcp-idle-timeout`: close a proxied TCP/SCTP connection idle this long both ways; 0 never (upstream's behaviour). */
  userspaceTcpIdleTimeoutMs: number;
}

const HEALTHZ_PORT = 10256;
const METRICS_PORT = 10249;

/**
 * kube-proxy's defaults (v1alpha1 SetDefaults_KubeProxyConfiguration), as `kube-proxy
 * --write-config-to` prints them with an empty configuration.
 */
export function defaultKubeProxyConfig(): KubeProxyConfig {
  return {
    clientConnection: {
      kubeconfig: '',
      acceptContentTypes: '',
      contentType: 'application/vnd.kubernetes.protobuf',
      qps: 5,
      burst: 10,
    },
    logging: { verbosity: 0, format: 'text' },
    hostnameOverride: '',
    bindAddress: '0.0.0.0',
    healthzBindAddress: `0.0.0.0:${HEALTHZ_PORT}`,
    metricsBindAddress: `127.0.0.1:${METRICS_PORT}`,
    bindAddressHardFail: false,
    enableProfiling: false,
    featureGates: {},
    mode: '',
    iptables: { masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, syncPeriodMs: 30_000, minSyncPeriodMs: 1_000 },
    ipvs: {
      syncPeriodMs: 30_000,
      minSyncPeriodMs: 0,
      scheduler: '',
      excludeCIDRs: [],
      strictARP: false,
      tcpTimeoutMs: 0,
      tcpFinTimeoutMs: 0,
      udpTimeoutMs: 0,
    },
    nftables: { masqueradeBit: 14, masqueradeAll: false, syncPeriodMs: 30_000, minSyncPeriodMs: 1_000 },
    detectLocalMode: '',
    detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
    clusterCIDR: '',
    nodePortAddresses: [],
    oomScoreAdj: -999,
    conntrack: {
      maxPerCore: 32 * 1024,
      min: 128 * 1024,
      tcpEstablishedTimeoutMs: 24 * 3_600_000,
      tcpCloseWaitTimeoutMs: 3_600_000,
      tcpBeLiberal: false,
      udpTimeoutMs: 0,
      udpStreamTimeoutMs: 0,
    },
    configSyncPeriodMs: 15 * 60_000,
    udpIdleTimeoutMs: 250,
  };
}

export function defaultKpxOptions(): KpxOptions {
  return {
    configFile: '',
    master: '',
    cleanup: false,
    initOnly: false,
    writeConfigTo: '',
    featureGates: [],
    healthzPort: HEALTHZ_PORT,
    metricsPort: METRICS_PORT,
    version: false,
    serviceProxyName: '',
    nodeIPs: [],
    renderMode: '',
    filenames: [],
    recursive: false,
    help: false,
    netns: '',
    userspaceTcpIdleTimeoutMs: 0,
  };
}

/** The healthz/metrics default host for a bind address family, as upstream's getDefaultAddresses. */
export function defaultServerAddresses(bindAddress: string): { healthz: string; metrics: string } {
  return bindAddress.includes(':')
    ? { healthz: `[::]:${HEALTHZ_PORT}`, metrics: `[::1]:${METRICS_PORT}` }
    : { healthz: `0.0.0.0:${HEALTHZ_PORT}`, metrics: `127.0.0.1:${METRICS_PORT}` };
}

export const DEFAULT_PORTS = { healthz: HEALTHZ_PORT, metrics: METRICS_PORT } as const;

/** The proxy mode in effect: '' is iptables, kube-proxy's default on Linux. */
export function effectiveProxyMode(config: KubeProxyConfig): Exclude<ProxyModeSetting, ''> {
  return config.mode === '' ? 'iptables' : config.mode;
}

/** The sync periods of the mode in effect. */
export function effectiveSyncPeriods(config: KubeProxyConfig): { syncPeriodMs: number; minSyncPeriodMs: number } {
  const mode = effectiveProxyMode(config);
  if (mode === 'ipvs') return { syncPeriodMs: config.ipvs.syncPeriodMs, minSyncPeriodMs: config.ipvs.minSyncPeriodMs };
  if (mode === 'nftables') return { syncPeriodMs: config.nftables.syncPeriodMs, minSyncPeriodMs: config.nftables.minSyncPeriodMs };
  return { syncPeriodMs: config.iptables.syncPeriodMs, minSyncPeriodMs: config.iptables.minSyncPeriodMs };
}
