// Reads the --config file (YAML or JSON) and resolves the whole command line.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
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
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    const reasons = document.errors.map((error) => error.message.split('\n')[0]).join('; ');
    return { values: new Map(), errors: [{ name: '(document)', source, value: '', reason: `not valid YAML or JSON: ${reasons}` }] };
  }
  let content: unknown;
  try {
    content = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { values: new Map(), errors: [{ name: '(document)', source, value: '', reason: (error as Error).message }] };
  }
  return decodeConfigFile(content, source);
}

/** Throws KPX_ERR_INPUT when the file cannot be read. */
export async function loadConfigFile(path: string): Promise<DecodedConfigFile> {
  let text: string;
  try {
    const buffer = await readFile(path);
    if (buffer.length > MAX_CONFIG_BYTES) {
      return { values: new Map(), errors: [{ name: '(document)', source: path, value: '', reason: `larger than ${MAX_CONFIG_BYTES} bytes` }] };
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
}

/**
 * Parses `argv` with the flags of `command`, loads --config when given, and resolves the
 * configuration (flags override the file). Throws KPX_ERR_INPUT when --config cannot be read.
 */
export async function loadCommandLine(argv: readonly string[], command: Command): Promise<CommandLine> {
  const flags = parseFlags(argv, flagsFor(command));
  const configFile = flags.values.get('config');
  const file = typeof configFile === 'string' && configFile !== '' && flags.errors.length === 0 ? await loadConfigFile(configFile) : undefined;
  const { resolved, errors: resolveErrors } = resolveConfig(file, flags);
  const inputErrors = [...flags.errors, ...(file?.errors ?? [])];
  // Cross-field checks on a configuration that already failed to read would only add noise.
  return { resolved, positional: flags.positional, errors: inputErrors.length > 0 ? inputErrors : resolveErrors };
}
