// `kpx COMMAND …`: dispatches to one module per command.
import { EXIT } from './exit-codes.ts';

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}

type CommandRunner = (argv: readonly string[], io: CommandIO) => Promise<number>;

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CommandRunner>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  render: {
    summary: 'print what a mode would program, from YAML/JSON files or stdin, touching nothing',
    load: async () => (await import('./render.ts')).runRender,
  },
  run: {
    summary: 'run as the node\'s service proxy (kube-proxy\'s flags and config file)',
    load: async () => (await import('./run.ts')).runRun,
  },
  apiserver: {
    summary: 'serve the embedded Kubernetes API (list/watch) for labs, tests and kubectl',
    load: async () => (await import('@kpx/apiserver/cli.ts')).runApiServer,
  },
  lab: {
    summary: 'build a cluster in network namespaces, run every mode through kpx run, compare them',
    load: async () => (await import('@kpx/lab/cli.ts')).runLabCommand,
  },
  explain: {
    summary: 'show a service as kpx sees it, its programmed rules, conntrack entries and reachable endpoints',
    load: async () => (await import('./explain.ts')).runExplain,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(10)} ${entry.summary}`);
  return `usage: kpx COMMAND [flags]\n\ncommands:\n${lines.join('\n')}\n\nkpx COMMAND --help describes a command's flags.\n`;
}

export async function main(argv: readonly string[], io: CommandIO = process): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage());
    return command === undefined ? EXIT.badArguments : EXIT.ok;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    io.stderr.write(`kpx: unknown command "${command}"\n\n${usage()}`);
    return EXIT.badArguments;
  }
  const runCommand = await entry.load();
  return runCommand(rest, io);
}

/** Every command, in the order `kpx --help` lists them (docs/COMMANDS.md is built from this). */
export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}
