import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, renderJobFiles } from '@kpx/vm/job-script.ts';

const MODULES_DIR = '/work/main/.cache/kernel/6.1.0-56-amd64/lib/modules';

describe('quote', () => {
  it.each([['plain'], ["it's"], ['"double" $HOME `id` $(id) \\n'], ["''"], [''], ['new\nline\ttab'], ['-n']])('survives a real shell unchanged: %j', (word) => {
    const echoed = execFileSync('sh', ['-c', `printf '%s' ${quote(word)}`], { encoding: 'utf8' });
    expect(echoed).toBe(word);
  });
});

describe('renderJobFiles', () => {
  it('loads the modules in the given order before the commands, then powers off', () => {
    const { config, runScript } = renderJobFiles({
      modules: ['nf_tables', 'ip_vs'],
      commands: [{ argv: ['true'] }, { argv: ['false'] }],
      modulesDir: MODULES_DIR,
    });
    expect(config).toBe(`KPX_VM_MODULES='${MODULES_DIR}'\n`);
    const order = ["modprobe -- 'nf_tables'", "modprobe -- 'ip_vs'", 'stamp modules-seconds', "'true' )", "'false' )", 'power_off\n'];
    const positions = order.map((fragment) => runScript.lastIndexOf(fragment));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('passes cwd, env and argv as single words and applies the per-command timeout', () => {
    const { runScript } = renderJobFiles({
      modules: [],
      commands: [{ argv: ['sh', '-c', 'echo "$X"; exit 3'], cwd: "/tmp/it's", env: { X: 'a b' }, timeoutMs: 1500 }],
      modulesDir: MODULES_DIR,
    });
    expect(runScript).toContain(`( cd -- '/tmp/it'\\''s' || exit 125; exec 'env' '-i' `);
    expect(runScript).toContain(`'X=a b' 'timeout' '--kill-after=5' '2s' 'sh' '-c' 'echo "$X"; exit 3' ) < /dev/null`);
    expect(runScript).toContain(`'KPX_IN_VM=1'`);
  });

  it.each([
    ['an empty command list', { commands: [] }, /at least one command/],
    ['an empty argv', { commands: [{ argv: [] }] }, /non-empty argv/],
    ['argv[0] with "="', { commands: [{ argv: ['A=b'] }] }, /must not contain "="/],
    ['a bad env name', { commands: [{ argv: ['true'], env: { 'A B': 'x' } }] }, /not an environment variable name/],
    ['a bad module name', { commands: [{ argv: ['true'] }], modules: ['ip_vs; reboot'] }, /not a module name/],
  ])('rejects %s', (_case, job, message) => {
    expect(() => renderJobFiles({ modules: [], modulesDir: MODULES_DIR, ...job })).toThrow(message);
  });
});
