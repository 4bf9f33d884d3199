// The whole command line: defaults, --config file, flags over the file, errors naming fields.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConfigError, formatConfigWarning } from '@kpx/agent/config/config-error.ts';
import { defaultKubeProxyConfig, effectiveSyncPeriods } from '@kpx/agent/config/kube-proxy-config.ts';
import { loadCommandLine, loadConfigFile } from '@kpx/agent/config/load.ts';
import { isKpxError } from '@kpx/agent/errors.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpx-config-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const HEADER = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n';

describe('defaults', () => {
  it('no flags and no file gives kube-proxy defaults', async () => {
    const { resolved, errors } = await loadCommandLine([], 'run');
    expect(errors).toEqual([]);
    expect(resolved.config).toEqual(defaultKubeProxyConfig());
  });

  it('match what kube-proxy --write-config-to prints', async () => {
    const { resolved, errors } = await loadCommandLine([`--config=${join(FIXTURES, 'kube-proxy-write-config-defaults.yaml')}`], 'run');
    expect(errors.map(formatConfigError)).toEqual([]);
    expect(resolved.config).toEqual(defaultKubeProxyConfig());
  });

  it('zero and null fields of a kubeadm ConfigMap take the defaults, set ones are kept', async () => {
    const { resolved, errors } = await loadCommandLine([`--config=${join(FIXTURES, 'kubeadm-kube-proxy-configmap.yaml')}`], 'run');
    expect(errors.map(formatConfigError)).toEqual([]);
    expect(resolved.config).toEqual({
      ...defaultKubeProxyConfig(),
      clusterCIDR: '10.244.0.0/16',
      clientConnection: { ...defaultKubeProxyConfig().clientConnection, kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    });
  });

  it("kubeadm 1.34's config.conf with a field from a newer kube-proxy: the defaults, kubeadm's values, one warning naming the field", async () => {
    const text = await readFile(join(FIXTURES, 'kubeadm-1.34-config.conf'), 'utf8');
    const path = await writeConfig('kubeadm-future.conf', `${text}futureSetting:\n  enabled: true\n`);
    const { resolved, errors, strictDecodingErrors, warnings } = await loadCommandLine([`--config=${path}`], 'run');
    expect(errors.map(formatConfigError)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(strictDecodingErrors.map((error) => error.name)).toEqual(['futureSetting']);
    expect(resolved.config).toEqual({
      ...defaultKubeProxyConfig(),
      clusterCIDR: '10.244.0.0/16',
      clientConnection: { ...defaultKubeProxyConfig().clientConnection, kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    });
  });

  it('an explicit iptables.minSyncPeriod of 0s becomes 1s in a file (upstream defaulting) but stays 0 from a flag', async () => {
    const path = await writeConfig('min-sync.yaml', `${HEADER}iptables:\n  minSyncPeriod: 0s\n`);
    expect((await loadCommandLine([`--config=${path}`], 'run')).resolved.config.iptables.minSyncPeriodMs).toBe(1000);
    expect((await loadCommandLine(['--iptables-min-sync-period=0s'], 'run')).resolved.config.iptables.minSyncPeriodMs).toBe(0);
  });

  it("the iptables sync flags set the nftables mode's periods too, as upstream (every mode but ipvs); the ipvs ones stay apart", async () => {
    const { config } = (await loadCommandLine(['--proxy-mode=nftables', '--iptables-sync-period=1h', '--iptables-min-sync-period=100ms'], 'run')).resolved;
    expect(effectiveSyncPeriods(config)).toEqual({ syncPeriodMs: 3_600_000, minSyncPeriodMs: 100 });
    const ipvs = (await loadCommandLine(['--proxy-mode=ipvs', '--iptables-sync-period=1h'], 'run')).resolved.config;
    expect(effectiveSyncPeriods(ipvs).syncPeriodMs).toBe(30_000);
  });

  it('the userspace UDP idle timeout: udpIdleTimeout in a file, --udp-timeout over it, 250ms when absent or zero, never negative', async () => {
    const path = await writeConfig('udp-idle.yaml', `${HEADER}udpIdleTimeout: 2s\n`);
    expect((await loadCommandLine([`--config=${path}`], 'run')).resolved.config.udpIdleTimeoutMs).toBe(2000);
    expect((await loadCommandLine(['--udp-timeout=750ms'], 'run')).resolved.config.udpIdleTimeoutMs).toBe(750);
    const zero = await writeConfig('udp-idle-zero.yaml', `${HEADER}udpIdleTimeout: 0s\n`);
    expect((await loadCommandLine([`--config=${zero}`], 'run')).resolved.config.udpIdleTimeoutMs).toBe(250);
    const negative = await loadCommandLine(['--udp-timeout=-1s'], 'run');
    expect(negative.errors.map(formatConfigError).join('\n')).toMatch(/--udp-timeout.*must be greater than 0/);
  });

  it('--userspace-tcp-idle-timeout (kpx only, run only): 0 by default, a duration, never negative', async () => {
    expect((await loadCommandLine([], 'run')).resolved.options.userspaceTcpIdleTimeoutMs).toBe(0);
    expect((await loadCommandLine(['--userspace-tcp-idle-timeout=10m'], 'run')).resolved.options.userspaceTcpIdleTimeoutMs).toBe(600_000);
    expect((await loadCommandLine(['--userspace-tcp-idle-timeout=-1s'], 'run')).errors.map(formatConfigError).join('\n')).toMatch(
      /--userspace-tcp-idle-timeout.*must be greater than or equal to 0/,
    );
    expect((await loadCommandLine(['--userspace-tcp-idle-timeout=soon'], 'run')).errors.map(formatConfigError).join('\n')).toMatch(
      /--userspace-tcp-idle-timeout.*must be a duration/,
    );
    expect((await loadCommandLine(['--userspace-tcp-idle-timeout=10m'], 'render')).errors.length).toBeGreaterThan(0);
  });

  it('healthz and metrics defaults follow an IPv6 bindAddress; a bare IP gets the default port', async () => {
    const v6 = await writeConfig('v6.yaml', `${HEADER}bindAddress: "::"\n`);
    const { config } = (await loadCommandLine([`--config=${v6}`], 'run')).resolved;
    expect([config.healthzBindAddress, config.metricsBindAddress]).toEqual(['[::]:10256', '[::1]:10249']);
    const bare = await loadCommandLine(['--healthz-bind-address=10.1.2.3', '--metrics-bind-address=fd00::1'], 'run');
    expect([bare.resolved.config.healthzBindAddress, bare.resolved.config.metricsBindAddress]).toEqual(['10.1.2.3:10256', '[fd00::1]:10249']);
  });
});

describe('precedence as upstream: defaults < file; with --config, run applies only --hostname-override and the logging flags', () => {
  it('the file wins over every other field flag, and each flag it makes ineffective is a warning naming it', async () => {
    const path = await writeConfig(
      'precedence.yaml',
      `${HEADER}clusterCIDR: 10.244.0.0/16\niptables:\n  syncPeriod: 45s\n  masqueradeAll: true\n  masqueradeBit: 10\nhostnameOverride: From-File\nlogging:\n  verbosity: 2\n`,
    );
    const { resolved, errors, warnings } = await loadCommandLine(
      [
        `--config=${path}`,
        '--iptables-sync-period=1m',
        '--masquerade-all=false',
        '--hostname-override=  Node-A ',
        '-v=5',
        '--logging-format=json',
        '--feature-gates=AllAlpha=true',
        '--healthz-port=0',
        '--service-proxy-name=kpx',
      ],
      'run',
    );
    expect(errors).toEqual([]);
    expect(resolved.config.iptables).toMatchObject({ syncPeriodMs: 45_000, masqueradeAll: true, masqueradeBit: 10 });
    expect(resolved.config.clusterCIDR).toBe('10.244.0.0/16');
    expect(resolved.config.hostnameOverride).toBe('node-a');
    expect(resolved.config.logging).toEqual({ verbosity: 5, format: 'json' });
    expect(resolved.config.featureGates).toEqual({});
    expect(resolved.config.healthzBindAddress).toBe('0.0.0.0:10256');
    expect(resolved.options.serviceProxyName).toBe('kpx');
    expect(warnings.map(formatConfigWarning)).toEqual([
      '--iptables-sync-period ("1m0s"): ignored because --config is given, as kube-proxy does; set iptables.syncPeriod in the file instead',
      '--masquerade-all ("false"): ignored because --config is given, as kube-proxy does; set iptables.masqueradeAll in the file instead',
      '--feature-gates ("AllAlpha=true"): ignored because --config is given, as kube-proxy does',
      '--healthz-port ("0"): ignored because --config is given, as kube-proxy does',
    ]);
  });

  it('kpx render lets every flag override the file (a what-if tool, not the daemon)', async () => {
    const path = await writeConfig('render-precedence.yaml', `${HEADER}iptables:\n  masqueradeAll: true\n`);
    const { resolved, warnings } = await loadCommandLine([`--config=${path}`, '--masquerade-all=false'], 'render');
    expect(resolved.config.iptables.masqueradeAll).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('--healthz-port/--metrics-port without --config: 0 disables, another port fills in a bare IP (addressFromDeprecatedFlags)', async () => {
    const zero = (await loadCommandLine(['--healthz-port=0', '--metrics-port=0'], 'run')).resolved.config;
    expect([zero.healthzBindAddress, zero.metricsBindAddress]).toEqual(['', '']);
    const bare = (await loadCommandLine(['--healthz-bind-address=10.1.2.3', '--healthz-port=12345', '--metrics-port=23456'], 'run')).resolved.config;
    expect([bare.healthzBindAddress, bare.metricsBindAddress]).toEqual(['10.1.2.3:12345', '127.0.0.1:10249']);
  });

  it('feature gates: from the flag without --config, from the file with it; unknown or non-default ones are warnings', async () => {
    const flag = await loadCommandLine(['--feature-gates=NoSuchGate=true,PreferSameTrafficDistribution=true'], 'run');
    expect(flag.resolved.config.featureGates).toEqual({ NoSuchGate: true, PreferSameTrafficDistribution: true });
    expect(flag.warnings.map(formatConfigWarning)).toEqual(['featureGates.NoSuchGate ("true"): unrecognized feature gate: ignored by kpx']);
    const path = await writeConfig('gates.yaml', `${HEADER}featureGates:\n  AllAlpha: true\n  FutureGate: false\n`);
    const file = await loadCommandLine([`--config=${path}`], 'run');
    expect(file.errors).toEqual([]);
    expect(file.resolved.config.featureGates).toEqual({ AllAlpha: true, FutureGate: false });
    expect(file.warnings.map((warning) => warning.name)).toEqual(['featureGates.AllAlpha', 'featureGates.FutureGate']);
    expect((await loadCommandLine(['--feature-gates=AllAlpha'], 'run')).errors.map(formatConfigError)).toEqual([
      '--feature-gates: invalid value "AllAlpha": must be a list of Name=true|false',
    ]);
  });

  it('an empty --hostname-override leaves the file value, as upstream', async () => {
    const path = await writeConfig('hostname.yaml', `${HEADER}hostnameOverride: from-file\n`);
    expect((await loadCommandLine([`--config=${path}`, '--hostname-override='], 'run')).resolved.config.hostnameOverride).toBe('from-file');
  });

  it('a flag given as an empty list clears the file list (kpx render)', async () => {
    const path = await writeConfig('npa.yaml', `${HEADER}nodePortAddresses: [10.0.0.0/8]\n`);
    expect((await loadCommandLine([`--config=${path}`], 'render')).resolved.config.nodePortAddresses).toEqual(['10.0.0.0/8']);
    expect((await loadCommandLine([`--config=${path}`, '--nodeport-addresses='], 'render')).resolved.config.nodePortAddresses).toEqual([]);
  });

  it('kpx-only flags land in options', async () => {
    const { resolved } = await loadCommandLine(['--service-proxy-name=kpx', '--node-ip=10.0.0.5,fd00::5', '--mode=iptables', '-f', 'a.yaml'], 'render');
    expect(resolved.options).toMatchObject({ serviceProxyName: 'kpx', nodeIPs: ['10.0.0.5', 'fd00::5'], renderMode: 'iptables', filenames: ['a.yaml'] });
  });
});

describe('errors name the field or flag and what is allowed', () => {
  it.each([
    ['bad enum', 'mode: kernelspace\n', 'mode: invalid value "kernelspace": must be one of: "" (default), iptables, ipvs, nftables, userspace'],
    [
      'bad detect-local',
      'detectLocalMode: Pods\n',
      'detectLocalMode: invalid value "Pods": must be one of: "" (default), ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix',
    ],
    ['out of range', 'iptables:\n  masqueradeBit: 40\n', 'iptables.masqueradeBit: invalid value "40": must be within the range [0, 31]'],
    ['wrong type', 'iptables:\n  masqueradeAll: "yes"\n', 'iptables.masqueradeAll: invalid value "yes": must be true or false'],
    ['duration as number', 'iptables:\n  syncPeriod: 30\n', 'iptables.syncPeriod: invalid value "30": must be a duration string'],
    ['section not an object', 'conntrack: 5\n', 'conntrack: invalid value "5": must be an object'],
    ['feature gate not a boolean', 'featureGates:\n  AllAlpha: yes-please\n', 'featureGates.AllAlpha: invalid value "yes-please": must be true or false'],
  ])('%s', async (name, body, message) => {
    const path = await writeConfig(`${name.replaceAll(' ', '-')}.yaml`, `${HEADER}${body}`);
    const { errors } = await loadCommandLine([`--config=${path}`], 'run');
    expect(errors.map(formatConfigError).join('\n')).toContain(`${path}: ${message}`);
  });

  it.each([
    ['unknown top-level field', 'udpIdleTimeoutt: 1s\n', 'udpIdleTimeoutt: unknown field, ignored (known here: '],
    [
      'unknown nested field',
      'iptables:\n  syncPeriodd: 1s\n',
      'iptables.syncPeriodd: unknown field, ignored (known here: localhostNodePorts, masqueradeAll, masqueradeBit, minSyncPeriod, snatNodeInternalIP, syncPeriod)',
    ],
    [
      'misplaced field',
      'masqueradeAll: true\n',
      'masqueradeAll: unknown field, ignored; did you mean iptables.masqueradeAll or nftables.masqueradeAll? (known here: ',
    ],
    ['miscased field', 'ipvs:\n  strictArp: true\n', 'ipvs.strictArp: unknown field, ignored; did you mean ipvs.strictARP? (known here: '],
    ['duplicate field', 'mode: ipvs\nmode: iptables\n', 'mode: duplicate field (the last value is used)'],
    ['duplicate nested field', 'iptables:\n  syncPeriod: 1m\n  syncPeriod: 2m\n', 'iptables.syncPeriod: duplicate field (the last value is used)'],
    ['field without effect in kpx', 'portRange: 30000-32767\n', 'portRange ("30000-32767"): has no effect in kpx: ignored'],
    ['profiling', 'enableProfiling: true\n', 'enableProfiling (--profiling) ("true"): kpx serves no /debug/pprof: ignored'],
  ])('lenient decoding, as upstream after its strict decoder fails: %s is a warning, the rest applies', async (name, body, message) => {
    const path = await writeConfig(`${name.replaceAll(' ', '-')}.yaml`, `${HEADER}${body}clusterCIDR: 10.9.0.0/16\n`);
    const { errors, warnings, strictDecodingErrors, resolved } = await loadCommandLine([`--config=${path}`], 'run');
    expect(errors).toEqual([]);
    expect([...strictDecodingErrors, ...warnings].map(formatConfigWarning).join('\n')).toContain(message);
    expect(resolved.config.clusterCIDR).toBe('10.9.0.0/16');
  });

  it('a duplicate field takes the last value, as upstream', async () => {
    const path = await writeConfig('dup-last.yaml', `${HEADER}mode: ipvs\nmode: nftables\n`);
    expect((await loadCommandLine([`--config=${path}`], 'run')).resolved.config.mode).toBe('nftables');
  });

  it('rejects another apiVersion or kind', async () => {
    const path = await writeConfig('kind.yaml', 'apiVersion: kubeproxy.config.k8s.io/v1alpha2\nkind: KubeletConfiguration\n');
    const messages = (await loadCommandLine([`--config=${path}`], 'run')).errors.map(formatConfigError);
    expect(messages).toEqual([
      `${path}: apiVersion: invalid value "kubeproxy.config.k8s.io/v1alpha2": must be kubeproxy.config.k8s.io/v1alpha1`,
      `${path}: kind: invalid value "KubeletConfiguration": must be KubeProxyConfiguration`,
    ]);
  });

  it('reports a YAML syntax error, and accepts JSON', async () => {
    const broken = await writeConfig('broken.yaml', `${HEADER}iptables: [unclosed\n`);
    expect((await loadCommandLine([`--config=${broken}`], 'run')).errors.map(formatConfigError)[0]).toMatch(/not valid YAML or JSON/);
    const json = await writeConfig(
      'config.json',
      JSON.stringify({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode: 'ipvs' }),
    );
    const fromJSON = await loadCommandLine([`--config=${json}`], 'run');
    expect(fromJSON.errors).toEqual([]);
    expect(fromJSON.resolved.config.mode).toBe('ipvs');
  });

  it.each([
    [
      ['--iptables-sync-period=1s', '--iptables-min-sync-period=5s'],
      'iptables.syncPeriod (--iptables-sync-period): invalid value "1s": must be greater than or equal to iptables.minSyncPeriod (5s)',
    ],
    [['--iptables-sync-period=0s'], 'iptables.syncPeriod (--iptables-sync-period): invalid value "0s": must be greater than 0'],
    [['--proxy-mode=ipvs', '--ipvs-sync-period=0s'], 'ipvs.syncPeriod (--ipvs-sync-period): invalid value "0s": must be greater than 0'],
    [
      ['--cluster-cidr=10.0.0.0/8,10.1.0.0/16'],
      'clusterCIDR (--cluster-cidr): invalid value "10.0.0.0/8,10.1.0.0/16": must be a single CIDR or a dual-stack pair',
    ],
    [['--cluster-cidr=10.0.0.0/88'], 'clusterCIDR (--cluster-cidr): invalid value "10.0.0.0/88": must be a valid CIDR block'],
    [['--nodeport-addresses=primary,10.0.0.0/8'], "nodePortAddresses[0] (--nodeport-addresses): invalid value \"primary\": can't use both 'primary' and CIDRs"],
    [
      ['--nodeport-addresses=10.0.0.1'],
      'nodePortAddresses[0] (--nodeport-addresses): invalid value "10.0.0.1": must be a valid CIDR or the single keyword \'primary\'',
    ],
    [
      ['--detect-local-mode=BridgeInterface'],
      'detectLocal.bridgeInterface (--pod-bridge-interface): must not be empty when detectLocalMode is BridgeInterface',
    ],
    [['--hostname-override=   '], '--hostname-override: invalid value "   ": empty hostname-override is invalid'],
  ])('cross-field: %j', async (argv, message) => {
    const { errors } = await loadCommandLine(argv, 'run');
    expect(errors.map(formatConfigError).join('\n')).toContain(message);
  });

  it('an unreadable --config is a KPX_ERR_INPUT runtime failure', async () => {
    const missing = join(dir, 'missing.yaml');
    await expect(loadConfigFile(missing)).rejects.toSatisfy((error: unknown) => isKpxError(error, 'KPX_ERR_INPUT'));
  });
});
