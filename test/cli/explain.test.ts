// `kpx explain` fails (exit 3) when it cannot read what it was asked to show, and says why on
// stderr; what it could read is still printed. None of these need root: every read named
// here fails for anyone (a namespace that does not exist, tools not on PATH, a file that does
// not exist, an API server nobody listens on).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '@kpx/agent/exit-codes.ts';
import { runCli } from '../helpers/render-cli.ts';

const SCENARIO = join(import.meta.dirname, '..', 'golden', 'external-ips');
const FLAGS = ['-f', join(SCENARIO, 'input.yaml'), '--hostname-override=node-1', '--cluster-cidr=10.244.0.0/16'];
const MISSING_NETNS = `kpx-explain-missing-${process.pid}`;

describe('kpx explain exits non-zero, naming the cause, when it cannot read', () => {
  it.each(['iptables', 'nftables'])('the %s rules of a namespace that does not exist', async (mode) => {
    const result = await runCli(['explain', 'service', 'default/legacy', '--mode', mode, '--netns', MISSING_NETNS, ...FLAGS]);
    expect(result.exitCode).toBe(EXIT.runtimeFailure);
    expect(result.stderr).toContain(`kpx explain: cannot read network namespace ${MISSING_NETNS}: it does not exist`);
  });

  it('the rules and conntrack entries when their tools cannot run, still showing the rest', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = mkdtempSync(join(tmpdir(), 'kpx-explain-nothing-'));
    try {
      const result = await runCli(['explain', 'service', 'default/legacy', '--mode', 'iptables', ...FLAGS]);
      expect(result.exitCode).toBe(EXIT.runtimeFailure);
      expect(result.stdout).toContain('    10.244.1.60:8000 (ready, node node-1, local)');
      expect(result.stderr).toMatch(/^kpx explain: could not read the iptables rules of default\/legacy:tcp \(this host\): could not run iptables/m);
      expect(result.stderr).toContain(
        'kpx explain: could not read the conntrack entries towards default/legacy:tcp (this host): conntrack -L failed: could not run conntrack',
      );
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('an input file that does not exist', async () => {
    const result = await runCli(['explain', 'service', 'default/legacy', '-f', join(SCENARIO, 'no-such-file.yaml')]);
    expect(result.exitCode).toBe(EXIT.runtimeFailure);
    expect(result.stderr).toMatch(/^kpx explain: .*no-such-file\.yaml/m);
  });

  it('an API server that does not answer', async () => {
    const result = await runCli(['explain', 'service', 'default/legacy', '--master', 'http://127.0.0.1:9', '--hostname-override=node-1']);
    expect(result.exitCode).toBe(EXIT.runtimeFailure);
    expect(result.stderr).toMatch(/^kpx explain: .+/m);
    expect(result.stdout).toBe('');
  });

  it('still exits 1 for a service that is not there', async () => {
    const result = await runCli(['explain', 'service', 'default/nothing', ...FLAGS]);
    expect(result.exitCode).toBe(EXIT.objectsSkipped);
  });
});
