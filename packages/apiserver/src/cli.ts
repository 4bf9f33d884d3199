// `kpx apiserver --listen HOST:PORT [-f SEED…] [--history N]`: serves the embedded
// Kubernetes API until SIGINT/SIGTERM and says how to point kubectl at it.
import { parseArgs } from 'node:util';
import { findResourceForObject } from './resources.ts';
import { expandLists } from './seed.ts';
import { startApiServer } from './server.ts';
import { loadObjects } from '@kpx/agent/config/load-objects.ts';
import { formatLoadError } from '@kpx/agent/config/parse-objects.ts';
import { isKpxError } from '@kpx/agent/errors.ts';
import { createLogger } from '@kpx/agent/log.ts';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { EXIT } from '@kpx/agent/exit-codes.ts';
import type { CommandIO } from '@kpx/agent/cli/command-table.ts';

const USAGE = `usage: kpx apiserver [--listen HOST:PORT] [-f FILE…] [--history N] [-v N]

Serves the part of the Kubernetes API that kube-proxy and kubectl use (Namespaces, Services,
Nodes, Events, EndpointSlices: discovery, list, watch, create, update, patch, delete) over
plain HTTP, from memory, until interrupted. Nothing is persisted.

  --listen HOST:PORT   address to serve on (default 127.0.0.1:8001; port 0 picks a free one)
  -f, --filename SRC   seed objects: a YAML/JSON file (multi-document, Lists), a directory, or -
  --history N          watch events kept per resource; older resourceVersions get 410 (default 10000)
  -v, --v N            log verbosity: 2 logs each request
`;

interface ApiServerArgs {
  readonly host: string;
  readonly port: number;
  readonly filenames: readonly string[];
  readonly historyLimit: number | undefined;
  readonly verbosity: number;
}

function parseListen(text: string): { host: string; port: number } | string {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) return `--listen wants HOST:PORT (e.g. 127.0.0.1:8001 or [::1]:8001), got ${JSON.stringify(text)}`;
  return { host: match[1] ?? match[2] ?? '', port };
}

function parseNonNegative(flag: string, text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? Number(text) : `${flag} wants a non-negative integer, got ${JSON.stringify(text)}`;
}

function parseCommandLine(argv: readonly string[]): ApiServerArgs | 'help' | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        listen: { type: 'string', default: '127.0.0.1:8001' },
        filename: { type: 'string', short: 'f', multiple: true, default: [] },
        history: { type: 'string' },
        v: { type: 'string', short: 'v', default: '0' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return 'help';
  const listen = parseListen(values.listen);
  if (typeof listen === 'string') return listen;
  const historyLimit = parseNonNegative('--history', values.history);
  if (typeof historyLimit === 'string') return historyLimit;
  const verbosity = parseNonNegative('-v', values.v);
  if (typeof verbosity === 'string') return verbosity;
  return { ...listen, filenames: values.filename, historyLimit, verbosity: verbosity ?? 0 };
}

/** Seed objects of served kinds; the rest is reported and skipped. */
async function loadSeed(args: ApiServerArgs, io: CommandIO): Promise<RawObject[] | number> {
  const loaded = await loadObjects(args.filenames, io.stdin);
  for (const error of loaded.errors) io.stderr.write(`kpx apiserver: ${formatLoadError(error)}\n`);
  if (loaded.errors.some((e) => e.unreadable)) return EXIT.runtimeFailure;
  if (loaded.errors.length > 0) return EXIT.badArguments;
  const served: RawObject[] = [];
  for (const object of expandLists(loaded.objects)) {
    if (findResourceForObject(object.apiVersion, object.kind) !== undefined) served.push(object);
    else io.stderr.write(`kpx apiserver: skipping ${String(object.apiVersion)} ${String(object.kind)}: not served\n`);
  }
  return served;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function runApiServer(argv: readonly string[], io: CommandIO): Promise<number> {
  const args = parseCommandLine(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (typeof args === 'string') {
    io.stderr.write(`kpx apiserver: ${args}\nRun 'kpx apiserver --help' for usage.\n`);
    return EXIT.badArguments;
  }
  const seed = await loadSeed(args, io);
  if (typeof seed === 'number') return seed;
  const signal = waitForSignal();
  let api;
  try {
    const logger = createLogger({ verbosity: args.verbosity, destination: io.stderr });
    api = await startApiServer({
      host: args.host,
      port: args.port,
      seed,
      ...(args.historyLimit === undefined ? {} : { historyLimit: args.historyLimit }),
      logger,
    });
  } catch (error) {
    if (isKpxError(error, 'KPX_ERR_INPUT')) {
      io.stderr.write(`kpx apiserver: ${error.message}\n`);
      return EXIT.badArguments;
    }
    io.stderr.write(`kpx apiserver: cannot serve on ${args.host}:${args.port}: ${(error as Error).message}\n`);
    return EXIT.runtimeFailure;
  }
  io.stdout.write(`kpx apiserver: serving ${seed.length} seed object(s) on ${api.url} (Ctrl-C stops)\n`);
  io.stdout.write(`kubectl --server ${api.url} get services,endpointslices -A\n`);
  await signal;
  await api.stop();
  return EXIT.ok;
}
