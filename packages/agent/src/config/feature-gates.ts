// `featureGates` (file) and `--feature-gates` (flag). kube-proxy hands them to component-base's
// gate registry, which refuses a name it does not know. kpx tracks kube-proxy's behaviour with
// each gate at its default and has no gate that changes what it does, so every gate is
// accepted: one kube-proxy knows and kpx follows at its default is noted, any other name or
// value is a warning naming it (never fatal: a ConfigMap written for a newer kube-proxy must
// not stop the node).
import type { ConfigError } from './config-error.ts';

/**
 * Gates of kube-proxy 1.34 (and component-base's logging gates) whose default behaviour kpx
 * implements; the value is that default.
 */
export const KNOWN_FEATURE_GATES: ReadonlyMap<string, boolean> = new Map([
  ['AllAlpha', false],
  ['AllBeta', false],
  ['ContextualLogging', true],
  ['LoggingAlphaOptions', false],
  ['LoggingBetaOptions', true],
  ['KubeProxyDrainingTerminatingNodes', true],
  ['NFTablesProxyMode', true],
  ['PreferSameTrafficDistribution', true],
  ['ServiceTrafficDistribution', true],
  ['TopologyAwareHints', true],
]);

/** `Name=true,Other=false` items (pflag's mapStringBool) → a map; a malformed item is an error. */
export function parseFeatureGateFlag(items: readonly string[]): { gates: Record<string, boolean>; errors: ConfigError[] } {
  const gates: Record<string, boolean> = {};
  const errors: ConfigError[] = [];
  for (const item of items) {
    const match = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(item);
    const value = match?.[2]?.toLowerCase();
    if (match?.[1] === undefined || (value !== 'true' && value !== 'false')) {
      errors.push({ name: '--feature-gates', source: 'flag', value: item, reason: 'must be a list of Name=true|false' });
    } else gates[match[1]] = value === 'true';
  }
  return { gates, errors };
}

/** What an operator should hear about the gates given: one warning per gate kpx does not follow. */
export function featureGateWarnings(gates: Readonly<Record<string, boolean>>, source: string): ConfigError[] {
  const warnings: ConfigError[] = [];
  for (const [name, enabled] of Object.entries(gates)) {
    const known = KNOWN_FEATURE_GATES.get(name);
    if (known === undefined) {
      warnings.push({ name: `featureGates.${name}`, source, value: String(enabled), reason: 'unrecognized feature gate: ignored by kpx' });
    } else if (known !== enabled) {
      warnings.push({
        name: `featureGates.${name}`,
        source,
        value: String(enabled),
        reason: `kpx implements this feature only as kube-proxy does with the gate at its default (${known}): ignored`,
      });
    }
  }
  return warnings;
}
