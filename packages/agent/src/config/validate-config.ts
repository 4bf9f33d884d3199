// The checks of upstream's validation.Validate that span several fields; single-field
// checks already ran where each value was read (config-fields.ts).
import { cidrFamilyOf } from './checks.ts';
import type { ConfigError } from './config-error.ts';
import { formatGoDuration } from './duration.ts';
import { FLAGS } from './flag-table.ts';
import { effectiveProxyMode, type KubeProxyConfig } from './kube-proxy-config.ts';

export function validateConfig(config: KubeProxyConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  const fail = (field: string, value: string, reason: string): void => {
    errors.push({ name: labelOf(field), source: 'configuration', value, reason });
  };
  validateSyncPeriods(config, fail);
  if (config.configSyncPeriodMs <= 0) fail('configSyncPeriod', formatGoDuration(config.configSyncPeriodMs), 'must be greater than 0');
  if (config.clusterCIDR !== '') validateClusterCIDR(config.clusterCIDR, fail);
  validateNodePortAddresses(config.nodePortAddresses, fail);
  if (config.detectLocalMode === 'BridgeInterface' && config.detectLocal.bridgeInterface === '') {
    fail('detectLocal.bridgeInterface', '', 'must not be empty when detectLocalMode is BridgeInterface');
  }
  if (config.detectLocalMode === 'InterfaceNamePrefix' && config.detectLocal.interfaceNamePrefix === '') {
    fail('detectLocal.interfaceNamePrefix', '', 'must not be empty when detectLocalMode is InterfaceNamePrefix');
  }
  return errors;
}

type Fail = (field: string, value: string, reason: string) => void;

function validateSyncPeriods(config: KubeProxyConfig, fail: Fail): void {
  const mode = effectiveProxyMode(config);
  const section = mode === 'ipvs' ? 'ipvs' : mode === 'nftables' ? 'nftables' : 'iptables';
  const { syncPeriodMs, minSyncPeriodMs } = config[section];
  if (syncPeriodMs <= 0) fail(`${section}.syncPeriod`, formatGoDuration(syncPeriodMs), 'must be greater than 0');
  if (minSyncPeriodMs > syncPeriodMs) {
    fail(
      `${section}.syncPeriod`,
      formatGoDuration(syncPeriodMs),
      `must be greater than or equal to ${section}.minSyncPeriod (${formatGoDuration(minSyncPeriodMs)})`,
    );
  }
}

function validateClusterCIDR(clusterCIDR: string, fail: Fail): void {
  const cidrs = clusterCIDR.split(',');
  const families = cidrs.map(cidrFamilyOf);
  const bad = cidrs.find((_, index) => families[index] === undefined);
  if (bad !== undefined) fail('clusterCIDR', bad, 'must be a valid CIDR block (e.g. 10.100.0.0/16 or fde4:8dba:82e1::/48)');
  else if (cidrs.length > 2 || (cidrs.length === 2 && families[0] === families[1])) {
    fail('clusterCIDR', clusterCIDR, 'must be a single CIDR or a dual-stack pair of CIDRs (e.g. 10.100.0.0/16,fde4:8dba:82e1::/48)');
  }
}

function validateNodePortAddresses(addresses: readonly string[], fail: Fail): void {
  addresses.forEach((address, index) => {
    if (address === 'primary') {
      if (addresses.length !== 1) fail(`nodePortAddresses[${index}]`, address, "can't use both 'primary' and CIDRs");
    } else if (cidrFamilyOf(address) === undefined) {
      fail(`nodePortAddresses[${index}]`, address, "must be a valid CIDR or the single keyword 'primary'");
    }
  });
}

/** `iptables.syncPeriod (--iptables-sync-period)`: both names an operator may have used. */
function labelOf(fieldPath: string): string {
  const base = fieldPath.replace(/\[\d+\]$/, '');
  const flag = FLAGS.find((candidate) => 'field' in candidate && candidate.field === base);
  return flag === undefined ? fieldPath : `${fieldPath} (--${flag.name})`;
}
