// The overlay deploy/README.md tells an operator to write, on top of each shipped overlay:
// their image, their API server and their pod CIDR must reach every container and the
// mounted files, and kpx must still accept the result.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeConfigText } from '@kpx/agent/config/load.ts';
import { onlyOne, type ConfigMap, type DaemonSet } from './daemon-set-parts.ts';
import { buildKustomization, hasKubectl } from './kustomize-build.ts';

const DEPLOY = join(import.meta.dirname, '../../deploy');
const README = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
const OVERLAYS: Readonly<Record<string, string>> = {
  iptables: 'base/kube-proxy-config.yaml',
  ipvs: 'overlays/ipvs/kube-proxy-config.yaml',
  nftables: 'overlays/nftables/kube-proxy-config.yaml',
  userspace: 'overlays/userspace/kube-proxy-config.yaml',
  'beside-kube-proxy': 'overlays/beside-kube-proxy/kube-proxy-config.yaml',
};

/** The README's kustomization.yaml, pointed at one overlay. */
function readmeKustomization(overlay: string): string {
  const block = /```yaml\n(apiVersion: kustomize[\s\S]*?)```/.exec(README)?.[1];
  if (block === undefined) throw new Error('deploy/README.md has no kustomization.yaml example');
  return block.replace('../deploy/overlays/iptables', `../deploy/overlays/${overlay}`).replace('REGISTRY/kpx', 'registry.test/team/kpx');
}

describe.skipIf(!hasKubectl())("an operator's overlay, as deploy/README.md describes it", () => {
  const root = mkdtempSync(join(tmpdir(), 'kpx-deploy-'));
  symlinkSync(DEPLOY, join(root, 'deploy'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(Object.entries(OVERLAYS))('on %s: sets the image everywhere and mounts their kubeconfig and config', (overlay, configPath) => {
    const mine = join(root, `my-kpx-${overlay}`);
    mkdirSync(mine);
    writeFileSync(join(mine, 'kustomization.yaml'), readmeKustomization(overlay));
    writeFileSync(join(mine, 'kubeconfig.conf'), readFileSync(join(DEPLOY, 'base/kubeconfig.conf'), 'utf8').replace('control-plane.invalid', '192.0.2.10'));
    const config = readFileSync(join(DEPLOY, configPath), 'utf8').replace('clusterCIDR: ""', 'clusterCIDR: 10.244.0.0/16');
    writeFileSync(join(mine, 'kube-proxy-config.yaml'), config);

    const objects = buildKustomization(mine);
    const pod = onlyOne<DaemonSet>(objects, 'DaemonSet').spec.template.spec;
    const images = [...(pod.initContainers ?? []), ...pod.containers].map((container) => container.image);
    expect(new Set(images)).toEqual(new Set(['registry.test/team/kpx:0.1.0']));
    const configMap = onlyOne<ConfigMap>(objects, 'ConfigMap');
    expect(configMap.data['kubeconfig.conf']).toContain('server: https://192.0.2.10:6443');
    const decoded = decodeConfigText(configMap.data['config.conf'] ?? '', 'config.conf');
    expect(decoded.errors).toEqual([]);
    expect(decoded.values.get('clusterCIDR')).toBe('10.244.0.0/16');
    expect(pod.volumes?.find((volume) => volume.configMap !== undefined)?.configMap?.name).toBe(configMap.metadata.name);
  });
});
