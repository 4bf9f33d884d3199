// Every `kpx` command a checkout has: the node agent's, plus the embedded API server and the lab,
// which the agent's image leaves out. bin/kpx.mjs at the checkout's root runs this table.
import type { CommandTable } from '@kpx/agent/cli/command-table.ts';
import { AGENT_COMMANDS } from '@kpx/agent/cli/main.ts';

const { render, run, explain, trace } = AGENT_COMMANDS;

export const CHECKOUT_COMMANDS: CommandTable = {
  render,
  run,
  apiserver: {
    summary: 'serve the embedded Kubernetes API (list/watch) for labs, tests and kubectl',
    load: async () => (await import('@kpx/apiserver/cli.ts')).runApiServer,
  },
  lab: {
    summary: 'build a cluster in network namespaces, run every mode through kpx run, compare them',
    load: async () => (await import('./cli.ts')).runLabCommand,
  },
  explain,
  trace,
};
