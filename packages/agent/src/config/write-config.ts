// `--write-config-to`: the effective configuration as a v1alpha1 KubeProxyConfiguration YAML
// file, keys sorted as upstream's encoder writes them; --config reads it back unchanged.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { KpxError } from '../errors.ts';
import { encodeConfig } from './encode-config.ts';
import type { KubeProxyConfig } from './kube-proxy-config.ts';

/** Pure: the file's text. */
export function configFileText(config: KubeProxyConfig): string {
  return stringify(encodeConfig(config), { sortMapEntries: true });
}

/** Throws KPX_ERR_INPUT when the file cannot be written. */
export async function writeConfigFile(path: string, config: KubeProxyConfig): Promise<void> {
  try {
    await writeFile(path, configFileText(config));
  } catch (error) {
    throw new KpxError('KPX_ERR_INPUT', `cannot write the configuration file ${path}: ${(error as Error).message}`, { cause: error, context: { path } });
  }
}
