// Every kustomization under deploy/ as `kubectl kustomize` builds it: valid against the
// Kubernetes schemas, shaped like kubeadm's kube-proxy DaemonSet, and configured so that
// kpx's own parser and decoder accept the flags and the KubeProxyConfiguration.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeConfigText } from '@kpx/agent/config/load.ts';
import { flagsFor } from '@kpx/agent/config/flag-table.ts';
import { parseFlags } from '@kpx/agent/config/parse-flags.ts';
import { resolveConfig, type ResolvedConfig } from '@kpx/agent/config/resolve-config.ts';
import { defaultKubeProxyConfig, effectiveProxyMode } from '@kpx/agent/config/kube-proxy-config.ts';
import { findMode } from '@kpx/agent/modes/registry.ts';
import { ipvsSysctls } from '@kpx/agent/modes/ipvs/setup.ts';
import { planInitOnly } from '@kpx/agent/daemon/init-only.ts';
import { SYSCTL_ROUTE_LOCALNET } from '@kpx/agent/netfilter/sysctls.ts';
import { watchedResources } from '@kpx/agent/watch/watched-resources.ts';
import { expandArgs, onlyOne, portOf, type ConfigMap, type Container, type DaemonSet, type PolicyRule } from './daemon-set-parts.ts';
import { buildKustomization, hasKubectl, type KubeObject } from './kustomize-build.ts';
import { schemaErrors } from './schema-check.ts';

const DEPLOY = join(import.meta.dirname, '../../deploy');
const NODE_NAME = 'node-a';
const KUBE_PROXY_PORTS = { healthz: 10256, metrics: 10249 };

interface Expectation {
  readonly mode: 'iptables' | 'ipvs' | 'nftables' | 'userspace';
  readonly daemonSet: string;
  readonly capabilities: readonly string[];
  readonly initContainers: readonly string[];
  readonly serviceProxyName: string;
  readonly ports: { readonly healthz: number; readonly metrics: number };
}

const IPTABLES: Expectation = {
  mode: 'iptables',
  daemonSet: 'kpx',
  capabilities: ['NET_ADMIN', 'NET_RAW'],
  initContainers: ['kpx-init'],
  serviceProxyName: '',
  ports: KUBE_PROXY_PORTS,
};
const USERSPACE: Expectation = { ...IPTABLES, mode: 'userspace', capabilities: ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW'] };

const KUSTOMIZATIONS: Readonly<Record<string, Expectation>> = {
  base: IPTABLES,
  'overlays/iptables': IPTABLES,
  'overlays/ipvs': { ...IPTABLES, mode: 'ipvs' },
  'overlays/nftables': { ...IPTABLES, mode: 'nftables' },
  'overlays/userspace': USERSPACE,
  'overlays/beside-kube-proxy': {
    ...USERSPACE,
    daemonSet: 'kpx-beside',
    serviceProxyName: 'kpx',
    ports: { healthz: 10356, metrics: 10349 },
    initContainers: [],
  },
};

it('covers every overlay under deploy/overlays', () => {
  const overlays = readdirSync(join(DEPLOY, 'overlays')).map((name) => `overlays/${name}`);
  expect(
    Object.keys(KUSTOMIZATIONS)
      .filter((path) => path.startsWith('overlays/'))
      .sort(),
  ).toEqual(overlays.sort());
});

/** The container's flags and the mounted config file, resolved by kpx's own config layer. */
function resolveDaemonConfig(daemonSet: DaemonSet, configMap: ConfigMap, container: Container) {
  const args = expandArgs(container, { 'spec.nodeName': NODE_NAME });
  const flags = parseFlags(args, flagsFor('run'));
  const configFlag = flags.values.get('config');
  const mount = container.volumeMounts?.find((volumeMount) => configFile(configFlag).startsWith(`${volumeMount.mountPath}/`));
  const volume = daemonSet.spec.template.spec.volumes?.find((candidate) => candidate.name === mount?.name);
  const key = mount === undefined ? '' : configFile(configFlag).slice(mount.mountPath.length + 1);
  const text = volume?.configMap?.name === configMap.metadata.name ? configMap.data[key] : undefined;
  const file = text === undefined ? undefined : decodeConfigText(text, key);
  const { resolved, errors } = resolveConfig(file, flags);
  return { args, flags, mount, key, text, file, resolved, resolveErrors: errors };
}

function configFile(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

describe.skipIf(!hasKubectl())('kubectl kustomize deploy/', () => {
  describe.each(Object.entries(KUSTOMIZATIONS))('%s', (path, expected) => {
    let objects: KubeObject[];
    let daemonSet: DaemonSet;
    let configMap: ConfigMap;
    let kpx: Container;
    let resolved: ReturnType<typeof resolveDaemonConfig>;
    let config: ResolvedConfig['config'];

    beforeAll(() => {
      objects = buildKustomization(join(DEPLOY, path));
      daemonSet = onlyOne<DaemonSet>(objects, 'DaemonSet');
      configMap = onlyOne<ConfigMap>(objects, 'ConfigMap');
      const main = daemonSet.spec.template.spec.containers.find((container) => container.name === 'kpx');
      if (main === undefined) throw new Error('no container named kpx');
      kpx = main;
      resolved = resolveDaemonConfig(daemonSet, configMap, kpx);
      config = resolved.resolved.config;
    });

    it('builds the five objects kpx needs, in kube-system', () => {
      expect(objects.map((object) => object.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'ServiceAccount']);
      for (const object of objects.filter((candidate) => !candidate.kind.startsWith('Cluster'))) {
        expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe('kube-system');
      }
      expect(daemonSet.metadata.name).toBe(expected.daemonSet);
    });

    it('validates against the Kubernetes schemas, unknown fields included', async () => {
      for (const object of objects) expect(await schemaErrors(object), `${object.kind} ${object.metadata.name}`).toEqual([]);
    });

    it('grants exactly the API access kpx uses', () => {
      const role = onlyOne<KubeObject & { rules: PolicyRule[] }>(objects, 'ClusterRole');
      const granted = role.rules.flatMap((rule) =>
        rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`))),
      );
      const watched = Object.values(watchedResources(NODE_NAME, '')).map((resource) => {
        const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/([a-z]+)$/.exec(resource.path);
        if (match === null) throw new Error(`unexpected watch path ${resource.path}`);
        return `${match[1] ?? ''}/${match[2] ?? ''}`;
      });
      const expectedGrants = [
        ...watched.flatMap((resource) => [`${resource}:list`, `${resource}:watch`]),
        ...['/events', 'events.k8s.io/events'].flatMap((resource) => [`${resource}:create`, `${resource}:patch`]),
      ];
      expect(granted.sort()).toEqual(expectedGrants.sort());

      const binding = onlyOne<KubeObject & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] }>(
        objects,
        'ClusterRoleBinding',
      );
      const serviceAccount = onlyOne(objects, 'ServiceAccount');
      expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: serviceAccount.metadata.namespace }]);
      expect(daemonSet.spec.template.spec.serviceAccountName).toBe(serviceAccount.metadata.name);
    });

    it("schedules like kubeadm's kube-proxy: host network, node-critical, every taint tolerated", () => {
      const pod = daemonSet.spec.template.spec;
      expect(pod.hostNetwork).toBe(true);
      expect(pod.priorityClassName).toBe('system-node-critical');
      expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
      expect(daemonSet.spec.template.metadata.labels).toMatchObject(daemonSet.spec.selector.matchLabels);
    });

    it('mounts the node xtables lock and /lib/modules (read-only)', () => {
      const volumes = new Map((daemonSet.spec.template.spec.volumes ?? []).map((volume) => [volume.name, volume]));
      const mountOf = (mountPath: string) => kpx.volumeMounts?.find((mount) => mount.mountPath === mountPath);
      const lock = mountOf('/run/xtables.lock');
      expect(volumes.get(lock?.name ?? '')?.hostPath).toEqual({ path: '/run/xtables.lock', type: 'FileOrCreate' });
      expect(lock?.readOnly ?? false).toBe(false);
      const modules = mountOf('/lib/modules');
      expect(volumes.get(modules?.name ?? '')?.hostPath?.path).toBe('/lib/modules');
      expect(modules?.readOnly).toBe(true);
    });

    it('runs kpx without privileged, with exactly the capabilities of its mode', () => {
      const securityContext = kpx.securityContext;
      expect(securityContext?.privileged ?? false).toBe(false);
      expect(securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(securityContext?.capabilities?.drop).toEqual(['ALL']);
      expect([...(securityContext?.capabilities?.add ?? [])].sort()).toEqual(expected.capabilities);
      expect(kpx.resources?.requests).toHaveProperty('cpu');
      expect(kpx.resources?.requests).toHaveProperty('memory');
    });

    it('runs every container from the one kpx image', () => {
      const pod = daemonSet.spec.template.spec;
      const containers = [...(pod.initContainers ?? []), ...pod.containers];
      expect(new Set(containers.map((container) => container.image)).size).toBe(1);
      expect(kpx.image).toMatch(/^kpx:\S+$/);
      expect((pod.initContainers ?? []).map((container) => container.name)).toEqual(expected.initContainers);
    });

    it("passes flags that `kpx run`'s own parser accepts", () => {
      expect(resolved.flags.errors).toEqual([]);
      expect(resolved.flags.positional).toEqual(['run']);
      expect(resolved.args).toContain(`--hostname-override=${NODE_NAME}`);
      expect(resolved.resolved.config.hostnameOverride).toBe(NODE_NAME);
      expect(resolved.resolved.options.serviceProxyName).toBe(expected.serviceProxyName);
    });

    it("mounts a KubeProxyConfiguration that kpx's decoder accepts, in the expected mode", () => {
      expect(resolved.mount?.readOnly).toBe(true);
      expect(resolved.text, `ConfigMap key ${resolved.key}`).toBeDefined();
      expect(resolved.file?.errors).toEqual([]);
      expect(resolved.resolveErrors).toEqual([]);
      expect(resolved.file?.values.get('mode')).toBe(expected.mode);
      expect(effectiveProxyMode(config)).toBe(expected.mode);
      // The kubeconfig the file names is another key of the same mounted ConfigMap.
      const kubeconfig = config.clientConnection.kubeconfig;
      expect(kubeconfig.startsWith(`${resolved.mount?.mountPath}/`)).toBe(true);
      expect(configMap.data[kubeconfig.slice((resolved.mount?.mountPath.length ?? 0) + 1)]).toMatch(
        /tokenFile: \/var\/run\/secrets\/kubernetes.io\/serviceaccount\/token/,
      );
    });

    it('serves healthz and metrics on its own ports, and probes /livez there', () => {
      expect(portOf(config.healthzBindAddress)).toBe(expected.ports.healthz);
      expect(portOf(config.metricsBindAddress)).toBe(expected.ports.metrics);
      expect(kpx.livenessProbe?.httpGet).toEqual({ path: '/livez', port: expected.ports.healthz });
      expect(kpx.ports).toContainEqual(expect.objectContaining({ name: 'healthz', containerPort: expected.ports.healthz }));
    });

    it('has every sysctl the unprivileged container needs (/proc/sys is read-only there) written first by a privileged kpx run --init-only', () => {
      const init = daemonSet.spec.template.spec.initContainers?.find((container) => container.name === 'kpx-init');
      if (init === undefined) {
        // Beside kube-proxy: kube-proxy owns the node's sysctls, and the configuration asks for no write.
        expect(config.conntrack).toMatchObject({ maxPerCore: 0, tcpEstablishedTimeoutMs: 0, tcpCloseWaitTimeoutMs: 0 });
        expect(effectiveProxyMode(config)).toBe('userspace');
        return;
      }
      expect(init.securityContext?.privileged).toBe(true);
      expect(init.image).toBe(kpx.image);
      const initResolved = resolveDaemonConfig(daemonSet, configMap, init);
      expect(initResolved.flags.errors).toEqual([]);
      expect(initResolved.flags.positional).toEqual(['run']);
      expect(initResolved.resolved.options.initOnly).toBe(true);
      // The same config.conf as the kpx container, so the same mode and values.
      expect(initResolved.text).toBe(resolved.text);
      const plan = planInitOnly(initResolved.resolved, effectiveProxyMode(config), 4);
      const keys = [...plan.conntrack, ...plan.mode].map((setting) => setting.key);
      // kube-proxy's defaults, kept: conntrack sizing and timeouts, localhost NodePorts.
      expect(keys).toEqual(expect.arrayContaining(['net.netfilter.nf_conntrack_max', 'net.netfilter.nf_conntrack_tcp_timeout_established']));
      if (effectiveProxyMode(config) === 'iptables') expect(keys).toContain(SYSCTL_ROUTE_LOCALNET);
      if (effectiveProxyMode(config) === 'ipvs') {
        for (const [key] of ipvsSysctls({ strictARP: config.ipvs.strictARP })) expect(keys).toContain(key);
        expect(plan.modules).toContain('ip_vs');
      }
    });
  });

  it("the nftables overlay keeps kube-proxy's nftables defaults, and kpx opens that mode for it", () => {
    const objects = buildKustomization(join(DEPLOY, 'overlays/nftables'));
    const daemonSet = onlyOne<DaemonSet>(objects, 'DaemonSet');
    const container = daemonSet.spec.template.spec.containers.find((candidate) => candidate.name === 'kpx');
    if (container === undefined) throw new Error('no container named kpx');
    const { file, resolved } = resolveDaemonConfig(daemonSet, onlyOne<ConfigMap>(objects, 'ConfigMap'), container);
    expect(['masqueradeBit', 'masqueradeAll', 'syncPeriod', 'minSyncPeriod'].map((field) => file?.values.get(`nftables.${field}`))).toEqual([
      14,
      false,
      30_000,
      1_000,
    ]);
    expect(resolved.config.nftables).toEqual(defaultKubeProxyConfig().nftables);
    expect(findMode(effectiveProxyMode(resolved.config))?.name).toBe('nftables');
  });

  it('beside-kube-proxy shares no object name, pod label or port with kube-proxy or a full kpx install', () => {
    const beside = buildKustomization(join(DEPLOY, 'overlays/beside-kube-proxy'));
    const base = buildKustomization(join(DEPLOY, 'base'));
    const names = (objects: KubeObject[]): string[] => objects.map((object) => `${object.kind}/${object.metadata.name}`);
    expect(names(beside).filter((name) => names(base).includes(name))).toEqual([]);
    expect(names(beside)).not.toContain('DaemonSet/kube-proxy');
    const besideSelector = onlyOne<DaemonSet>(beside, 'DaemonSet').spec.selector.matchLabels;
    const basePodLabels = onlyOne<DaemonSet>(base, 'DaemonSet').spec.template.metadata.labels;
    expect(Object.entries(besideSelector).every(([key, value]) => basePodLabels[key] === value)).toBe(false);
    const ports = KUSTOMIZATIONS['overlays/beside-kube-proxy']?.ports;
    expect([ports?.healthz, ports?.metrics]).not.toContain(KUBE_PROXY_PORTS.healthz);
    expect([ports?.healthz, ports?.metrics]).not.toContain(KUBE_PROXY_PORTS.metrics);
  });
});
