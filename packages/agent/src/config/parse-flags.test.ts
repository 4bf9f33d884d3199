import { describe, expect, it } from 'vitest';
import { formatConfigError } from './config-error.ts';
import { FLAGS, flagsFor } from './flag-table.ts';
import { parseFlags } from './parse-flags.ts';

const RENDER_FLAGS = flagsFor('render');
const RUN_FLAGS = flagsFor('run');

function values(argv: string[], flags = RUN_FLAGS): Record<string, unknown> {
  const parsed = parseFlags(argv, flags);
  expect(parsed.errors.map(formatConfigError)).toEqual([]);
  return Object.fromEntries(parsed.values);
}

function errorsOf(argv: string[], flags = RUN_FLAGS): string[] {
  return parseFlags(argv, flags).errors.map(formatConfigError);
}

describe('parseFlags: pflag syntax', () => {
  it.each([
    [['--hostname-override=node-a'], { 'hostname-override': 'node-a' }],
    [['--hostname-override', 'node-a'], { 'hostname-override': 'node-a' }],
    [['--masquerade-all'], { 'masquerade-all': true }],
    [['--masquerade-all=false'], { 'masquerade-all': false }],
    [['--masquerade-all=0'], { 'masquerade-all': false }],
    [['--masquerade-all=T'], { 'masquerade-all': true }],
    [['-v=4'], { v: 4 }],
    [['-v', '4'], { v: 4 }],
    [['-v4'], { v: 4 }],
    [['--v=2'], { v: 2 }],
    [['--iptables-sync-period=1m0s'], { 'iptables-sync-period': 60_000 }],
    [['--iptables-min-sync-period', '100ms'], { 'iptables-min-sync-period': 100 }],
    [['--nodeport-addresses=10.0.0.0/8,192.168.0.0/16'], { 'nodeport-addresses': ['10.0.0.0/8', '192.168.0.0/16'] }],
    [['--ipvs-exclude-cidrs=10.0.0.0/8', '--ipvs-exclude-cidrs=fd00::/8'], { 'ipvs-exclude-cidrs': ['10.0.0.0/8', 'fd00::/8'] }],
    [['--nodeport-addresses='], { 'nodeport-addresses': [] }],
    [['--iptables-masquerade-bit=10', '--iptables-masquerade-bit=12'], { 'iptables-masquerade-bit': 12 }],
    [['--hostname-override', '-odd-but-a-value'], { 'hostname-override': '-odd-but-a-value' }],
  ])('%j', (argv, expected) => {
    expect(values(argv)).toEqual(expected);
  });

  it('repeats -f / --filename and splits commas, as kubectl does', () => {
    expect(values(['-f', 'a.yaml', '--filename=b.yaml,c.json', '-f-'], RENDER_FLAGS)).toEqual({ filename: ['a.yaml', 'b.yaml', 'c.json', '-'] });
  });

  it('stops at -- and keeps positional arguments', () => {
    const parsed = parseFlags(['extra', '--masquerade-all', '--', '--cleanup'], RUN_FLAGS);
    expect(parsed.positional).toEqual(['extra', '--cleanup']);
    expect(Object.fromEntries(parsed.values)).toEqual({ 'masquerade-all': true });
  });

  it('does not take a separate word as a boolean value (pflag: it is a positional argument)', () => {
    const parsed = parseFlags(['--masquerade-all', 'false'], RUN_FLAGS);
    expect(parsed.values.get('masquerade-all')).toBe(true);
    expect(parsed.positional).toEqual(['false']);
  });
});

describe('parseFlags: errors name the flag and the allowed values', () => {
  it.each([
    [['--no-such-flag'], '--no-such-flag: unknown flag'],
    [['--no-such-flag=1'], '--no-such-flag: unknown flag'],
    [['-x'], '-x: unknown shorthand flag in -x'],
    [['--vmodule=x=2'], '--vmodule: a kube-proxy flag kpx does not support'],
    [['--kube-api-qps=fast'], '--kube-api-qps: invalid value "fast": must be a number'],
    [['--proxy-mode=kernelspace'], '--proxy-mode: invalid value "kernelspace": must be one of: "" (default), iptables, ipvs, nftables, userspace'],
    [
      ['--detect-local-mode=Magic'],
      '--detect-local-mode: invalid value "Magic": must be one of: "" (default), ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix',
    ],
    [
      ['--ipvs-scheduler=fastest'],
      '--ipvs-scheduler: invalid value "fastest": must be one of: "" (default), rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq, fo, ovf, mh, twos',
    ],
    [['--iptables-masquerade-bit=32'], '--iptables-masquerade-bit: invalid value "32": must be within the range [0, 31]'],
    [['--iptables-masquerade-bit=x'], '--iptables-masquerade-bit: invalid value "x": must be an integer'],
    [['--iptables-sync-period=30'], '--iptables-sync-period: invalid value "30": must be a duration such as 30s, 1m0s or 100ms'],
    [['--masquerade-all=yes'], '--masquerade-all: invalid value "yes": must be true or false'],
    [['--bind-address=10.0.0.300'], '--bind-address: invalid value "10.0.0.300": must be a valid IP address'],
    [
      ['--healthz-bind-address=0.0.0.0:99999'],
      '--healthz-bind-address: invalid value "0.0.0.0:99999": must be IP:port with a port within the range [1, 65535]',
    ],
    [['--ipvs-exclude-cidrs=10.0.0.0/33'], '--ipvs-exclude-cidrs: invalid value "10.0.0.0/33": "10.0.0.0/33" must be a valid CIDR'],
    [['--node-ip=10.0.0.1,nope'], '--node-ip: invalid value "10.0.0.1,nope": "nope" must be a valid IP address'],
    [['--oom-score-adj=-1001'], '--oom-score-adj: invalid value "-1001": must be within the range [-1000, 1000]'],
    [['--conntrack-min=-1'], '--conntrack-min: invalid value "-1": must be within the range [0, 2147483647]'],
    [['--hostname-override'], '--hostname-override: flag needs an argument'],
    [['-v'], '-v: flag needs an argument'],
  ])('%j', (argv, message) => {
    const [first] = errorsOf(argv);
    expect(first).toContain(message);
  });

  it('rejects render-only flags for run and run-only flags for render', () => {
    expect(errorsOf(['--mode=iptables'], RUN_FLAGS)[0]).toContain('--mode: unknown flag');
    expect(errorsOf(['--cleanup'], RENDER_FLAGS)[0]).toContain('--cleanup: unknown flag');
  });

  it('reports every bad flag, not only the first', () => {
    expect(errorsOf(['--a', '--b'])).toHaveLength(2);
  });
});

describe('the flag table', () => {
  it('names each flag and shorthand once', () => {
    const names = FLAGS.map((flag) => flag.name);
    expect(new Set(names).size).toBe(names.length);
    const shorthands = FLAGS.flatMap((flag) => (flag.shorthand === undefined ? [] : [flag.shorthand]));
    expect(new Set(shorthands).size).toBe(shorthands.length);
  });

  it('has the kube-proxy flags the issue lists', () => {
    const names = new Set(FLAGS.map((flag) => flag.name));
    for (const name of [
      'config',
      'proxy-mode',
      'kubeconfig',
      'master',
      'hostname-override',
      'bind-address',
      'cluster-cidr',
      'healthz-bind-address',
      'metrics-bind-address',
      'masquerade-all',
      'nodeport-addresses',
      'iptables-sync-period',
      'iptables-min-sync-period',
      'iptables-masquerade-bit',
      'iptables-localhost-nodeports',
      'ipvs-scheduler',
      'ipvs-sync-period',
      'ipvs-min-sync-period',
      'ipvs-strict-arp',
      'ipvs-exclude-cidrs',
      'ipvs-tcp-timeout',
      'ipvs-tcpfin-timeout',
      'ipvs-udp-timeout',
      'conntrack-max-per-core',
      'conntrack-min',
      'conntrack-tcp-timeout-established',
      'conntrack-tcp-timeout-close-wait',
      'conntrack-udp-timeout',
      'conntrack-udp-timeout-stream',
      'detect-local-mode',
      'pod-bridge-interface',
      'pod-interface-name-prefix',
      'cleanup',
      'v',
      'service-proxy-name',
      'node-ip',
      'mode',
      'filename',
    ]) {
      expect(names, name).toContain(name);
    }
  });
});
