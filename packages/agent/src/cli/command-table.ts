// What a kpx command is: a runner loaded on demand, its one-line summary, and the streams it
// talks to. main.ts dispatches through a table of them; each command file implements one.
export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}

export type CommandRunner = (argv: readonly string[], io: CommandIO) => Promise<number>;

export interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CommandRunner>;
}

export type CommandTable = Readonly<Record<string, CommandEntry>>;
