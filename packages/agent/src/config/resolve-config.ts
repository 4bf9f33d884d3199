// kube-proxy's configuration, resolved: defaults, then the --config file (with upstream's
// defaulting of zero/null fields), then the flags given on the command line.
//
// Upstream kube-proxy ignores most flags when --config is given (kubernetes#98302, #107156:
// flags other than --hostname-override, -v and --cleanup are silently dropped). kpx lets every
// flag given override the file instead, so no setting is ever silently ignored.
import { appendPortIfNeeded } from './checks.ts';
import type { ConfigError } from './config-error.ts';
import { CONFIG_FIELDS, type FieldValue } from './config-fields.ts';
import type { DecodedConfigFile } from './decode-config-file.ts';
import { FLAGS, fieldOf, type FlagSpec } from './flag-table.ts';
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
): { resolved: ResolvedConfig; errors: ConfigError[] } {
  const config = defaultKubeProxyConfig();
  const options = defaultKpxOptions();
  const errors: ConfigError[] = [];
  if (file !== undefined) applyFile(config, file);
  for (const [name, value] of flags.values) {
    const flag = FLAGS.find((candidate) => candidate.name === name);
    if (flag !== undefined) applyFlag(config, options, flag, value, errors);
  }
  errors.push(...validateConfig(config));
  return { resolved: { config, options }, errors };
}

function applyFile(config: KubeProxyConfig, file: DecodedConfigFile): void {
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
}

function isZero(value: FieldValue): boolean {
  return value === false || value === '' || value === 0 || (Array.isArray(value) && value.length === 0);
}

function setAtPath(root: KubeProxyConfig, path: string, value: FieldValue): void {
  const parts = path.split('.');
  let node = root as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1] ?? ''] = Array.isArray(value) ? [...value] : value;
}
