// Runs `kpx render …` in-process through the CLI entry point, capturing its streams.
import { PassThrough } from 'node:stream';
import { main } from '@kpx/agent/cli/main.ts';

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function runCli(argv: readonly string[], stdinText = ''): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const readStdout = collect(stdout);
  const readStderr = collect(stderr);
  const exitCode = await main(argv, { stdout, stderr, stdin });
  return { exitCode, stdout: readStdout(), stderr: readStderr() };
}

export async function renderThroughCli(args: readonly string[]): Promise<CliResult> {
  return runCli(['render', ...args]);
}
