// Reads the --config file (YAML or JSON) and resolves the whole command line.
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, parseDocument } from 'yaml';
import { KpxError } from '../errors.ts';
import type { ConfigError } from './config-error.ts';
import { decodeConfigFile, type DecodedConfigFile } from './decode-config-file.ts';
import { flagsFor, type Command } from './flag-table.ts';
import { parseFlags } from './parse-flags.ts';
import { MAX_ALIAS_COUNT } from './parse-objects.ts';
import { resolveConfig, type ResolvedConfig } from './resolve-config.ts';

/** Bounds for a configuration file: a KubeProxyConfiguration is a few hundred bytes. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Parses configuration text; a syntax error becomes a ConfigError. */
export function decodeConfigText(text: string, source: string): DecodedConfigFile {
  // Duplicate keys are found below and reported as warnings (upstream's lenient decoder takes the last one).
  const document = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  if (document.errors.length > 0) {
    const reasons = document.errors.map((error) => error.message.split('\n')[0]).join('; ');
    return unusable(source, `not valid YAML or JSON: ${reasons}`);
  }
  let content: unknown;
  try {
    content = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return unusable(source, (error as Error).message);
  }
  return decodeConfigFile(content, source, duplicateKeys(document.contents, ''));
}

function unusable(source: string, reason: string): DecodedConfigFile {
  return { values: new Map(), featureGates: {}, strictErrors: [], warnings: [], errors: [{ name: '(document)', source, value: '', reason }] };
}

/** The dotted paths of mapping keys given more than once, at any depth of nested mappings. */
function duplicateKeys(node: unknown, prefix: string): string[] {
  if (!isMap(node)) return [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (seen.has(key)) duplicates.push(path);
    seen.add(key);
    duplicates.push(...duplicateKeys(pair.value, path));
  }
  return duplicates;
}

/** Throws KPX_ERR_INPUT when the file cannot be read. */
export async function loadConfigFile(path: string): Promise<DecodedConfigFile> {
  let text: string;
  try {
    const buffer = await readFile(path);
    if (buffer.length > MAX_CONFIG_BYTES) {
      return unusable(path, `larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    text = buffer.toString('utf8');
  } catch (error) {
    throw new KpxError('KPX_ERR_INPUT', `cannot read the configuration file ${path}: ${(error as Error).message}`, { cause: error, context: { path } });
  }
  return decodeConfigText(text, path);
}

export interface CommandLine {
  readonly resolved: ResolvedConfig;
  readonly positional: readonly string[];
  /** Unusable flags, fields or values: the command should exit with status 2. */
  readonly errors: readonly ConfigError[];
  /** Unknown or duplicate fields of the --config file: tolerated, as upstream's lenient decoding. */
  readonly strictDecodingErrors: readonly ConfigError[];
  /** Tolerated: fields kpx ignores, flags the --config file makes ineffective, gates kpx does not follow. */
  readonly warnings: readonly ConfigError[];
}

/**
 * Parses `argv` with the flags of `command`, loads --config when given, and resolves the
 * configuration (flags override the file). Throws KPX_ERR_INPUT when --config cannot be read.
 */
export async function loadCommandLine(argv: readonly string[], command: Command): Promise<CommandLine> {
  const flags = parseFlags(argv, flagsFor(command));
  const configFile = flags.values.get('config');
  const file = typeof configFile === 'string' && configFile !== '' && flags.errors.length === 0 ? await loadConfigFile(configFile) : undefined;
  const { resolved, errors: resolveErrors, warnings } = resolveConfig(file, flags, command);
  const inputErrors = [...flags.errors, ...(file?.errors ?? [])];
  // Cross-field checks on a configuration that already failed to read would only add noise.
  return {
    resolved,
    positional: flags.positional,
    errors: inputErrors.length > 0 ? inputErrors : resolveErrors,
    strictDecodingErrors: file?.strictErrors ?? [],
    warnings: [...(file?.warnings ?? []), ...warnings],
  };
}
