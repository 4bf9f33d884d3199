// The guest's NODE_OPTIONS preload (src/vm/guest-v8-flags.mjs): every flag it sets is one this
// Node knows (V8 only prints an error for an unknown one and goes on), and a process started with
// it still strips TypeScript and runs WebAssembly. Whether it prevents the TCG crashes is measured
// in the VM by bench/vm/cold-node-starts.bench.ts, not here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGuestEnv } from '@kpx/vm/job-script.ts';
import { GUEST_V8_FLAGS_PRELOAD, REPO_ROOT } from '@kpx/vm/paths.ts';

// The smallest valid WebAssembly module: magic and version.
const CHECK_SCRIPT = `
await import(${JSON.stringify(path.join(REPO_ROOT, 'src', 'lines.ts'))});
const instance = await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
console.log(instance.instance instanceof WebAssembly.Instance ? 'ok' : 'no instance');
`;

describe('guest V8 flags preload', () => {
  it('is in the guest environment, sets only known flags, and leaves type stripping and WebAssembly working', () => {
    const nodeOptions = defaultGuestEnv().NODE_OPTIONS;
    expect(nodeOptions).toBe(`--import="${GUEST_V8_FLAGS_PRELOAD}"`);
    // A cache of its own, so the .ts is stripped again, not read from a compile cache.
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'kpx-guest-flags-'));
    try {
      const checked = spawnSync(process.execPath, ['--input-type=module', '-e', CHECK_SCRIPT], {
        env: { ...process.env, NODE_OPTIONS: nodeOptions, NODE_COMPILE_CACHE: cacheDir },
        encoding: 'utf8',
      });
      // V8 reports an unknown flag on stderr ("Error: unrecognized flag") and carries on.
      expect(checked.stderr).toBe('');
      expect(checked.stdout).toBe('ok\n');
      expect(checked.status).toBe(0);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
