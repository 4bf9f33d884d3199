/** Something wrong with a flag or a configuration field; the CLI prints one per line. */
export interface ConfigError {
  /** `--iptables-sync-period`, `-v`, or a file field path such as `iptables.syncPeriod`. */
  readonly name: string;
  /** Where it came from: `flag`, `configuration` (several fields together), or the configuration file's path. */
  readonly source: string;
  /** The offending value as given, '' when not applicable (an unknown name). */
  readonly value: string;
  readonly reason: string;
}

export function formatConfigError(error: ConfigError): string {
  const where = error.source === 'flag' || error.source === 'configuration' ? error.name : `${error.source}: ${error.name}`;
  return error.value === '' ? `${where}: ${error.reason}` : `${where}: invalid value ${JSON.stringify(error.value)}: ${error.reason}`;
}

/** A tolerated problem (unknown field, ignored flag): no "invalid value" wording. */
export function formatConfigWarning(warning: ConfigError): string {
  const where = warning.source === 'flag' || warning.source === 'configuration' ? warning.name : `${warning.source}: ${warning.name}`;
  return warning.value === '' ? `${where}: ${warning.reason}` : `${where} (${JSON.stringify(warning.value)}): ${warning.reason}`;
}
