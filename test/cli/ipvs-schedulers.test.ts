// Every IPVS scheduler a stock kernel ships is accepted by --ipvs-scheduler (and the
// configuration file's ipvs.scheduler) and reaches the ipvsadm text as `-s NAME`; mh also
// gets upstream's source-port flag (FlagSourceHash, 0x10: `-b mh-port`), the others no flag.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPVS_SCHEDULERS } from '@kpx/agent/modes/ipvs/options.ts';
import { renderThroughCli } from '../helpers/render-cli.ts';

const INPUT = join(import.meta.dirname, '..', 'golden', 'clusterip-tcp', 'input.yaml');
const FLAGS = ['--mode', 'ipvs', '-f', INPUT, '--hostname-override=node-1', '--cluster-cidr=10.244.0.0/16'];

const serviceLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('-A -t '));

describe('--ipvs-scheduler', () => {
  it.each(IPVS_SCHEDULERS)('%s: every virtual server is scheduled by it', async (scheduler) => {
    const result = await renderThroughCli([...FLAGS, `--ipvs-scheduler=${scheduler}`]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const lines = serviceLines(result.stdout);
    expect(lines.length).toBeGreaterThan(0);
    const flags = scheduler === 'mh' ? ' -b mh-port' : '';
    for (const line of lines) expect(line).toMatch(new RegExp(`^-A -t \\S+ -s ${scheduler}( -p \\d+)?${flags}$`));
  });

  it('defaults to rr', async () => {
    const lines = serviceLines((await renderThroughCli(FLAGS)).stdout);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => / -s rr$/.test(line))).toBe(true);
  });

  it.each(['mhs', 'RR', 'mh-port'])('rejects %j, listing the schedulers', async (scheduler) => {
    const result = await renderThroughCli([...FLAGS, `--ipvs-scheduler=${scheduler}`]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('must be one of: "" (default), rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq, fo, ovf, mh, twos');
  });
});
