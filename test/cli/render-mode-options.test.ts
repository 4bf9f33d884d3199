import { join } from 'node:path';
import { expect, it } from 'vitest';
import { renderThroughCli } from '../helpers/render-cli.ts';

const INPUT = join(import.meta.dirname, '..', 'golden', 'session-affinity', 'input.yaml');

it.each([
  [[], '-s rr -p 600'],
  [['--ipvs-scheduler', 'sh'], '-s sh -p 600'],
])('kpx render --mode ipvs %j configures the scheduler as kpx run would', async (flags, expected) => {
  const result = await renderThroughCli(['--mode', 'ipvs', '-f', INPUT, '--hostname-override', 'node-1', ...flags]);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.stdout).toContain(`-A -t 10.96.70.70:80 ${expected}`);
});
