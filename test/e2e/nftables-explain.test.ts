// `kpx explain service … --mode nftables --netns NS` against a real table: each golden scenario
// is rendered by `kpx render`, loaded with `nft -f -` into a namespace of this test's own, and
// explained; the printed elements and chains must be exactly what was loaded for each port,
// and nothing of another port. Needs root and nft.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, deleteNetns, execInNetns } from '@kpx/agent/sys/netns.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';
import { runCli } from '../helpers/render-cli.ts';
import { uniquePrefix } from '../helpers/topology.ts';

const GOLDEN = join(import.meta.dirname, '..', 'golden');
const hasNft = (await realExec({ file: 'nft', args: ['--version'] }).catch(() => undefined))?.exitCode === 0;
const describeAsRoot = hasNft ? describeNeedingRoot() : describe.skip;

function scenarioArgs(scenario: string): string[] {
  const flags = readFileSync(join(GOLDEN, scenario, 'flags'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  return ['--mode', 'nftables', '-f', join(GOLDEN, scenario, 'input.yaml'), ...flags];
}

interface PortSection {
  readonly elements: string[];
  readonly chains: Map<string, string[]>;
}

/** The "programmed now" block of each port section of `kpx explain` output. */
function programmedByPort(stdout: string): Map<string, PortSection> {
  const sections = new Map<string, PortSection>();
  let current: PortSection | undefined;
  let inProgrammed = false;
  let chain: string | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^service port (\S+)$/.exec(line);
    if (header !== null) sections.set(header[1]!, (current = { elements: [], chains: new Map() }));
    if (/^ {2}\S/.test(line)) inProgrammed = line.startsWith('  programmed now (nftables');
    if (current === undefined || !inProgrammed) continue;
    const element = /^ {6}([a-z-]+: .+)$/.exec(line);
    const chainHeader = /^ {6}chain (\S+) \{$/.exec(line);
    if (chainHeader !== null) current.chains.set((chain = chainHeader[1]!), []);
    else if (/^ {6}\}$/.test(line)) chain = undefined;
    else if (chain !== undefined) current.chains.get(chain)!.push(line.trim());
    else if (element !== null) current.elements.push(element[1]!);
  }
  return sections;
}

/** Every `map: key : value` element and every chain's rule count in the loaded transaction. */
function loadedObjects(text: string): { elements: Set<string>; rules: Map<string, number> } {
  const elements = new Set<string>();
  const rules = new Map<string, number>();
  for (const line of text.split('\n')) {
    const add = /^add element ip kube-proxy (\S+) \{ (.*) \}$/.exec(line);
    if (add !== null) for (const element of add[2]!.split(', ')) elements.add(`${add[1]}: ${element}`);
    const rule = /^add rule ip kube-proxy (\S+) /.exec(line);
    if (rule !== null) rules.set(rule[1]!, (rules.get(rule[1]!) ?? 0) + 1);
  }
  return { elements, rules };
}

describeAsRoot('kpx explain in nftables mode, against a loaded table', () => {
  const netns = `${uniquePrefix('kpxnx')}-explain`;
  const nodeExec = execInNetns(realExec, netns);
  beforeAll(async () => addNetns(realExec, netns));
  afterAll(async () => deleteNetns(realExec, netns));

  async function loadAndExplain(scenario: string, service: string, extra = '') {
    const rendered = await runCli(['render', ...scenarioArgs(scenario)]);
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    await nodeExec({ file: 'nft', args: ['delete', 'table', 'ip', 'kube-proxy'] });
    const loaded = await nodeExec({ file: 'nft', args: ['-f', '-'], stdin: rendered.stdout + extra });
    expect(loaded.stderr).toBe('');
    const explained = await runCli(['explain', 'service', service, '--netns', netns, ...scenarioArgs(scenario)]);
    expect(explained.exitCode, explained.stderr).toBe(0);
    return { sections: programmedByPort(explained.stdout), loaded: loadedObjects(rendered.stdout), stdout: explained.stdout };
  }

  /** What every section must hold: only loaded elements, chains with their loaded rule counts. */
  function expectLoaded(section: PortSection | undefined, loaded: ReturnType<typeof loadedObjects>): void {
    expect(section).toBeDefined();
    expect(section!.elements.length).toBeGreaterThan(0);
    expect(section!.chains.size).toBeGreaterThan(0);
    for (const element of section!.elements) expect(loaded.elements, element).toContain(element);
    for (const [name, rules] of section!.chains) expect(rules.length, name).toBe(loaded.rules.get(name) ?? 0);
  }

  it('shows a Local NodePort service: its verdict entries, every endpoint element, its nodeport chain and the dispatch chains', async () => {
    const { sections, loaded } = await loadAndExplain('nodeport-local', 'default/ingress');
    const section = sections.get('default/ingress:http');
    expectLoaded(section, loaded);
    expect(section!.elements).toEqual([
      'service-ips: 10.96.41.41 . tcp . 80 : goto cluster-endpoints-tcp-3',
      'service-nodeports: tcp . 30081 : goto nodeport-7IRNPQLE-default/ingress/tcp/http',
      'cluster-endpoints-tcp: 10.96.41.41 . 80 . 0 : 10.244.1.5 . 8080',
      'cluster-endpoints-tcp: 10.96.41.41 . 80 . 1 : 10.244.1.6 . 8080',
      'cluster-endpoints-tcp: 10.96.41.41 . 80 . 2 : 10.244.2.7 . 8080',
      'nodeport-cluster-endpoints-tcp: 30081 . 0 : 10.244.1.5 . 8080',
      'nodeport-cluster-endpoints-tcp: 30081 . 1 : 10.244.1.6 . 8080',
      'nodeport-cluster-endpoints-tcp: 30081 . 2 : 10.244.2.7 . 8080',
      'nodeport-local-endpoints-tcp: 30081 . 0 : 10.244.1.5 . 8080',
      'nodeport-local-endpoints-tcp: 30081 . 1 : 10.244.1.6 . 8080',
    ]);
    expect([...section!.chains.keys()]).toEqual([
      'cluster-endpoints-tcp-3',
      'nodeport-7IRNPQLE-default/ingress/tcp/http',
      'nodeport-cluster-endpoints-tcp-3',
      'nodeport-local-endpoints-tcp-2',
    ]);
  }, 60_000);

  it('keeps each port of a multi-port service to its own keys', async () => {
    const { sections, loaded } = await loadAndExplain('dns-tcp-udp', 'kube-system/kube-dns');
    expect([...sections.keys()].sort()).toEqual(['kube-system/kube-dns:dns', 'kube-system/kube-dns:dns-tcp', 'kube-system/kube-dns:metrics']);
    for (const section of sections.values()) expectLoaded(section, loaded);
    const tcp = sections.get('kube-system/kube-dns:dns-tcp')!;
    expect(tcp.elements.filter((element) => element.startsWith('service-ips'))).toEqual(['service-ips: 10.96.0.10 . tcp . 53 : goto cluster-endpoints-tcp-2']);
    expect(tcp.elements.filter((element) => element.startsWith('cluster-endpoints-tcp')).map((element) => element.split(' : ')[0])).toEqual([
      'cluster-endpoints-tcp: 10.96.0.10 . 53 . 0',
      'cluster-endpoints-tcp: 10.96.0.10 . 53 . 1',
    ]);
    expect(tcp.elements.join('\n')).not.toMatch(/9153|udp/);
    expect([...tcp.chains.keys()]).toEqual(['cluster-endpoints-tcp-2']);
  }, 60_000);

  it('follows a ClientIP affinity service into its per-endpoint chains', async () => {
    // A client the kernel would have remembered after its first packet to 10.244.1.5.
    const remembered = 'add element ip kube-proxy affinity-GVKL6IHB-default/sticky/tcp/http__10.244.1.5/8080 { 10.244.9.9 }\n';
    const { sections, loaded, stdout } = await loadAndExplain('session-affinity', 'default/sticky', remembered);
    expect(stdout).toMatch(/\n {4}affinity clients:\n {6}affinity-GVKL6IHB-default\/sticky\/tcp\/http__10\.244\.1\.5\/8080: 10\.244\.9\.9 expires \d+s\n/);
    const section = sections.get('default/sticky:http');
    expectLoaded(section, loaded);
    const chains = [...section!.chains.keys()];
    expect(chains[0]).toMatch(/^service-[A-Z0-9]{8}-default\/sticky\/tcp\/http$/);
    const endpointChains = chains.filter((name) => name.startsWith('endpoint-'));
    expect(endpointChains.length).toBeGreaterThan(0);
    expect(endpointChains.sort()).toEqual([...loaded.rules.keys()].filter((name) => name.startsWith('endpoint-')).sort());
    expect(section!.chains.get(chains[0]!)!.at(-1)).toMatch(/^numgen random mod \d+ vmap \{/);
  }, 60_000);
});
