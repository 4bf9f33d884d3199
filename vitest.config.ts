import { configDefaults, defineConfig } from 'vitest/config';

// The test tiers, each a vitest project defined by globs (`vitest run --project <name>`):
//   unit   needs neither root, network namespaces, the kernel VM nor Chromium: pure colocated tests,
//          goldens through `kpx render`, the embedded API server and watch over loopback, kubectl if present.
//   e2e    root and network namespaces, real rules and traffic, `kpx run` daemons.
//   kernel the kernel VM (qemu): IPVS, SCTP, the VM harness itself.
//   lab    `kpx lab` end to end (root, the VM for its ipvs leg, Chromium for the report).
const E2E = ['test/e2e/**/*.test.ts', 'test/daemon/run-flags.test.ts'];
const KERNEL = ['test/kernel/**/*.test.ts'];
const LAB = ['test/lab/**/*.test.ts'];
const ALL = ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    // Snapshots are never written implicitly: goldens change only through `npm run golden:update`.
    update: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      // Unit files share their workers (a fresh fork per file would cost more than the tests), and
      // every core is a worker: much of the tier waits on loopback sockets and timers, not the CPU.
      // A worker count of its own needs a group of its own: the unit tier runs first.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ALL,
          exclude: [...configDefaults.exclude, ...E2E, ...KERNEL, ...LAB],
          isolate: false,
          maxWorkers: '100%',
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'e2e', include: E2E, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'kernel', include: KERNEL, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'lab', include: LAB, sequence: { groupOrder: 1 } } },
    ],
  },
});
