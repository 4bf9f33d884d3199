// kube-proxy's configuration, resolved: defaults, then the --config file (with upstream's
// defaulting of zero/null fields), then the flags given on the command line.
//
// `kpx run` follows upstream's precedence (options.go Complete): with --config, the file
// replaces what the flags set, except --hostname-override and the logging flags (-v,
// --logging-format), which still apply over it; --feature-gates and the deprecated
// --healthz-port/--metrics-port apply only without a file. Options that have no file field
// (--master, --cleanup, kpx's own) always apply. Upstream drops the other flags silently;
// kpx warns about each one given. `kpx render` lets every flag override the file.
import { appendPortIfNeeded, isIPLiteral } from './checks.ts';
import type { ConfigError } from './config-error.ts';
import { CONFIG_FIELDS, type FieldValue } from './config-fields.ts';
import type { DecodedConfigFile } from './decode-config-file.ts';
import { featureGateWarnings, parseFeatureGateFlag } from './feature-gates.ts';
import { formatGoDuration } from './duration.ts';
import { FLAGS, fieldOf, flagKind, isIgnoredWithConfig, type Command, type FlagSpec } from './flag-table.ts';
import {
  DEFAULT_PORTS,
  defaultKpxOptions,
  defaultKubeProxyConfig,
  defaultServerAddresses,
  type KpxOptions,
  type KubeProxyConfig,
} from './kube-proxy-config.ts';
import type { ParsedFlags } from './parse-flags.ts';
import { validateConfig } from './validate-config.ts';

export interface ResolvedConfig {
  readonly config: KubeProxyConfig;
  readonly options: KpxOptions;
}

export function resolveConfig(
  file: DecodedConfigFile | undefined,
  flags: ParsedFlags,
  command: Command = 'run',
): { resolved: ResolvedConfig; errors: ConfigError[]; warnings: ConfigError[] } {
  const config = defaultKubeProxyConfig();
  const options = defaultKpxOptions();
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const upstreamPrecedence = file !== undefined && command === 'run';
  if (file !== undefined) applyFile(config, file);
  for (const [name, value] of flags.values) {
    const flag = FLAGS.find((candidate) => candidate.name === name);
    if (flag === undefined) continue;
    if (upstreamPrecedence && isIgnoredWithConfig(flag)) warnings.push(ignoredFlagWarning(flag, value));
    else applyFlag(config, options, flag, value, errors);
  }
  if (file === undefined) {
    const gates = parseFeatureGateFlag(options.featureGates);
    errors.push(...gates.errors);
    config.featureGates = gates.gates;
    if (options.writeConfigTo === '') applyDeprecatedPorts(config, flags, options);
  }
  warnings.push(...featureGateWarnings(config.featureGates, file === undefined ? 'flag' : 'configuration'));
  if (config.enableProfiling) {
    warnings.push({ name: 'enableProfiling (--profiling)', source: 'configuration', value: 'true', reason: 'kpx serves no /debug/pprof: ignored' });
  }
  errors.push(...validateConfig(config));
  return { resolved: { config, options }, errors, warnings };
}

function ignoredFlagWarning(flag: FlagSpec, value: FieldValue): ConfigError {
  const where = 'field' in flag ? `; set ${flag.field} in the file instead` : '';
  return {
    name: `--${flag.name}`,
    source: 'flag',
    value: Array.isArray(value) ? value.join(',') : flagKind(flag) === 'duration' && typeof value === 'number' ? formatGoDuration(value) : String(value),
    reason: `ignored because --config is given, as kube-proxy does${where}`,
  };
}

/** Upstream's addressFromDeprecatedFlags: port 0 disables the server, another one fills in a bare IP's port. */
function applyDeprecatedPorts(config: KubeProxyConfig, flags: ParsedFlags, options: KpxOptions): void {
  const servers = [
    ['healthzBindAddress', 'healthz-bind-address', 'healthz-port', options.healthzPort],
    ['metricsBindAddress', 'metrics-bind-address', 'metrics-port', options.metricsPort],
  ] as const;
  for (const [field, addressFlag, portFlag, port] of servers) {
    if (!flags.values.has(portFlag)) continue;
    const given = flags.values.get(addressFlag);
    if (port === 0) config[field] = '';
    else if (typeof given === 'string' && isIPLiteral(given)) config[field] = appendPortIfNeeded(given, port);
  }
}

function applyFile(config: KubeProxyConfig, file: DecodedConfigFile): void {
  config.featureGates = { ...file.featureGates };
  for (const field of CONFIG_FIELDS) {
    const value = file.values.get(field.path);
    if (value === undefined || field.target === undefined) continue;
    if (field.defaulting === 'zero' && isZero(value)) continue;
    setAtPath(config, field.target, value);
  }
  const serverDefaults = defaultServerAddresses(config.bindAddress);
  config.healthzBindAddress = file.values.has('healthzBindAddress')
    ? appendPortIfNeeded(config.healthzBindAddress, DEFAULT_PORTS.healthz)
    : serverDefaults.healthz;
  config.metricsBindAddress = file.values.has('metricsBindAddress')
    ? appendPortIfNeeded(config.metricsBindAddress, DEFAULT_PORTS.metrics)
    : serverDefaults.metrics;
}

function applyFlag(config: KubeProxyConfig, options: KpxOptions, flag: FlagSpec, value: FieldValue, errors: ConfigError[]): void {
  if (!('field' in flag)) {
    (options as unknown as Record<string, unknown>)[flag.option] = Array.isArray(value) ? [...value] : value;
    return;
  }
  const target = fieldOf(flag).target;
  if (target === undefined) return;
  let finalValue = value;
  if (flag.name === 'hostname-override' && typeof value === 'string') {
    // As upstream's processHostnameOverrideFlag: an empty flag leaves the file's value alone.
    if (value === '') return;
    finalValue = value.trim().toLowerCase();
    if (finalValue === '') errors.push({ name: '--hostname-override', source: 'flag', value, reason: 'empty hostname-override is invalid' });
  }
  if (flag.name === 'healthz-bind-address' && typeof value === 'string') finalValue = appendPortIfNeeded(value, DEFAULT_PORTS.healthz);
  if (flag.name === 'metrics-bind-address' && typeof value === 'string') finalValue = appendPortIfNeeded(value, DEFAULT_PORTS.metrics);
  setAtPath(config, target, finalValue);
  // As upstream's processV1Alpha1Flags: the iptables sync flags apply to every mode but ipvs.
  const nftablesTwin = NFTABLES_SYNC_TWINS.get(target);
  if (nftablesTwin !== undefined) setAtPath(config, nftablesTwin, finalValue);
}

const NFTABLES_SYNC_TWINS: ReadonlyMap<string, string> = new Map([
  ['iptables.syncPeriodMs', 'nftables.syncPeriodMs'],
  ['iptables.minSyncPeriodMs', 'nftables.minSyncPeriodMs'],
]);

function isZero(value: FieldValue): boolean {
  return value === false || value === '' || value === 0 || (Array.isArray(value) && value.length === 0);
}

function setAtPath(root: KubeProxyConfig, path: string, value: FieldValue): void {
  const parts = path.split('.');
  let node = root as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1] ?? ''] = Array.isArray(value) ? [...value] : value;
}
