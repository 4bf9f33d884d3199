// Golden scenarios: each test/golden/<scenario>/ holds input.yaml (or input.json), optional `flags`
// (one kpx render flag per line), and the reviewed output of `kpx render` per mode.
// The output is produced through the CLI entry point itself, so a golden is exactly
// what a user sees. Rewritten only by `npm run golden:update` (KPX_UPDATE_GOLDEN=1).
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderThroughCli } from '../helpers/render-cli.ts';
import { expectGolden } from '../helpers/expect-golden.ts';
import { checkChains } from '../helpers/check-chains.ts';
import { describeFlow, traceFlow, type Packet } from '../helpers/trace-packet.ts';
import { parseJumpRuleComments } from '../helpers/jump-rule-comments.ts';

const GOLDEN_ROOT = import.meta.dirname;
const MODES = ['iptables', 'ipvs', 'userspace', 'nftables'] as const;

const scenarios = readdirSync(GOLDEN_ROOT)
  .filter((name) => statSync(join(GOLDEN_ROOT, name)).isDirectory())
  .sort();

function inputFile(dir: string): string {
  const json = join(dir, 'input.json');
  return existsSync(json) ? json : join(dir, 'input.yaml');
}

function readFlags(dir: string): string[] {
  const path = join(dir, 'flags');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

interface TraceCase {
  readonly line: string;
  readonly packet: Packet;
  readonly expected: string[];
}

/** `traces`: lines `PROTO SOURCE DEST:PORT => OUTCOME | OUTCOME …`, reviewed like the goldens. */
function readTraces(dir: string): TraceCase[] {
  const path = join(dir, 'traces');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      // An IPv6 destination is written [ip]:port.
      const match = /^(TCP|UDP|SCTP) (\S+) \[?([^\s\]]+)\]?:(\d+) => (.+)$/.exec(line);
      if (match === null) throw new Error(`bad trace line in ${path}: ${line}`);
      const [, protocol, sourceIP, destinationIP, port, outcomes] = match as unknown as [string, Packet['protocol'], string, string, string, string];
      const packet: Packet = { protocol, sourceIP, destinationIP, destinationPort: Number(port) };
      return { line, packet, expected: outcomes.split('|').map((outcome) => outcome.trim()).sort() };
    });
}

/** A render's sections by family (`# IPv4` / `# IPv6` headers of a dual-stack render), or the whole text under ''. */
function familySections(text: string): Map<string, string> {
  const parts = text.split(/^# (IPv4|IPv6)\n/m);
  if (parts.length === 1) return new Map([['', text]]);
  const sections = new Map<string, string>();
  for (let index = 1; index < parts.length; index += 2) sections.set(parts[index] ?? '', parts[index + 1] ?? '');
  return sections;
}

/** The node's own addresses, as `-m addrtype --dst-type LOCAL` sees them. */
function localAddresses(renderedInput: string): string[] {
  return [...renderedInput.matchAll(/type: InternalIP\s+address: '?([^\s']+)'?/g)].map((match) => match[1] ?? '');
}

describe.each(scenarios)('golden %s', (scenario) => {
  const dir = join(GOLDEN_ROOT, scenario);

  it.each(MODES)('%s', async (mode) => {
    const result = await renderThroughCli(['--mode', mode, '-f', inputFile(dir), ...readFlags(dir)]);
    expectGolden(join(dir, `${mode}.rules`), result.stdout);
    expectGolden(join(dir, `${mode}.problems.txt`), `exit status ${result.exitCode}\n${result.stderr}`);
    expect(result.exitCode === 0 || result.exitCode === 1, result.stderr).toBe(true);
    if (mode === 'iptables') for (const section of familySections(result.stdout).values()) expect(checkChains(section)).toEqual([]);
  });

  const traces = readTraces(dir);
  if (traces.length > 0) {
    it('packets traced through the iptables rules', async () => {
      const result = await renderThroughCli(['--mode', 'iptables', '-f', inputFile(dir), ...readFlags(dir)]);
      const sections = familySections(result.stdout);
      const options = { localAddresses: localAddresses(readFileSync(inputFile(dir), 'utf8')) };
      for (const trace of traces) {
        // A dual-stack render: the packet meets the rules of its own family only.
        const section = sections.get(isIP(trace.packet.destinationIP) === 6 ? 'IPv6' : 'IPv4') ?? sections.get('') ?? '';
        const plan = { restoreText: section, jumpRules: parseJumpRuleComments(section) };
        const outcomes = traceFlow(plan, trace.packet, options).map(describeFlow).sort();
        expect(outcomes, trace.line).toEqual(trace.expected);
      }
    });
  }
});

it('has at least 20 scenarios', () => {
  expect(scenarios.length).toBeGreaterThanOrEqual(20);
});
