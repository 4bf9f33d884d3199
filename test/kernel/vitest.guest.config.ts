// vitest inside the kernel VM (see vm.ts vitestCommand): `*.vm-test.ts` files,
// which need the VM's kernel and which the host run never collects, and the
// network-namespace e2e files, which can run again against the VM's kernel.
import { defineConfig } from 'vitest/config';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  test: {
    include: ['packages/*/src/**/*.vm-test.ts', 'test/**/*.vm-test.ts', 'test/e2e/**/*.test.ts'],
    update: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The VM has 2 vCPUs under TCG and starts fresh each boot: one worker, no
    // per-file isolation (it costs a node start per file).
    maxWorkers: 1,
    isolate: false,
    reporters: ['default'],
  },
});
