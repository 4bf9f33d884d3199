// KubeProxyConfig back to a v1alpha1 KubeProxyConfiguration document: what /configz serves
// and what a `--write-config-to` would print. decodeConfigFile(encodeConfig(c)) gives c back.
import { CONFIG_FIELDS } from './config-fields.ts';
import { formatGoDuration } from './duration.ts';
import { CONFIG_API_VERSION, CONFIG_KIND, type KubeProxyConfig } from './kube-proxy-config.ts';

export function encodeConfig(config: KubeProxyConfig): Record<string, unknown> {
  const document: Record<string, unknown> = { apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND };
  // omitempty upstream.
  if (Object.keys(config.featureGates).length > 0) document['featureGates'] = { ...config.featureGates };
  for (const field of CONFIG_FIELDS) {
    if (field.target === undefined) continue;
    const value = readPath(config, field.target);
    setPath(document, field.path, field.kind === 'duration' && typeof value === 'number' ? formatGoDuration(value) : value);
  }
  return document;
}

function readPath(root: KubeProxyConfig, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  return Array.isArray(node) ? [...(node as unknown[])] : node;
}

function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (typeof child === 'object' && child !== null) node = child as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1] ?? ''] = value;
}
