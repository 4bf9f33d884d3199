// `kpx COMMAND …`: dispatches to one module per command. The node agent has render, run,
// explain and trace; a checkout passes a larger table that adds the other workspace packages' commands
// (lab, apiserver), so the agent depends on none of them.
import type { CommandIO, CommandTable } from './command-table.ts';
import { EXIT } from '../exit-codes.ts';
import { asksForVersion, versionText } from '../version.ts';

export const AGENT_COMMANDS = {
  render: {
    summary: 'print what a mode would program, from YAML/JSON files or stdin, touching nothing',
    load: async () => (await import('./render.ts')).runRender,
  },
  run: {
    summary: "run as the node's service proxy (kube-proxy's flags and config file)",
    load: async () => (await import('./run.ts')).runRun,
  },
  explain: {
    summary: 'show a service as kpx sees it, its programmed rules, conntrack entries and reachable endpoints',
    load: async () => (await import('./explain.ts')).runExplain,
  },
  trace: {
    summary: 'send one probe from a pod to a service and show every hop, rule and conntrack entry it went through',
    load: async () => (await import('./trace.ts')).runTraceCommand,
  },
} satisfies CommandTable;

function usage(commands: CommandTable): string {
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(10)} ${entry.summary}`);
  return `usage: kpx COMMAND [flags]\n\ncommands:\n${lines.join('\n')}\n\nkpx COMMAND --help describes a command's flags.\n`;
}

export async function main(argv: readonly string[], io: CommandIO = process, commands: CommandTable = AGENT_COMMANDS): Promise<number> {
  const [command, ...rest] = argv;
  // Every command, as kube-proxy's verflag: print and exit before anything else runs.
  if (asksForVersion(argv)) {
    io.stdout.write(versionText());
    return EXIT.ok;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage(commands));
    return command === undefined ? EXIT.badArguments : EXIT.ok;
  }
  const entry = commands[command];
  if (entry === undefined) {
    io.stderr.write(`kpx: unknown command "${command}"\n\n${usage(commands)}`);
    return EXIT.badArguments;
  }
  const runCommand = await entry.load();
  return runCommand(rest, io);
}
