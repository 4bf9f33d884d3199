#!/usr/bin/env node
// kpx's entry point. Plain JavaScript so that an older Node can still say what is wrong.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `kpx needs Node.js 24 or newer (this is ${process.version}).\n` +
      'Run it from the checkout through npm, which uses the Node pinned in package.json: `npx kpx …` after `npm ci`.\n',
  );
  process.exit(2);
}
// Compiled code, and the TypeScript with its types stripped, is reused across starts: a third of
// each start here, and far more in the lab's emulated-CPU kernel VM, which sees this folder too.
// The processes kpx starts (daemons, pod servers) inherit the folder through the environment.
const { enableCompileCache } = await import('node:module');
const { tmpdir } = await import('node:os');
process.env.NODE_COMPILE_CACHE ??= `${tmpdir()}/kpx-node-compile-cache`;
enableCompileCache(process.env.NODE_COMPILE_CACHE);
const { main } = await import('../packages/agent/src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
