// The userspace dataplane's agent inside a network namespace (started by remote-dataplane.ts
// as `ip netns exec NAME node netns-agent.ts OPTIONS_JSON`). It runs the real dataplane and
// answers the Dataplane calls it reads from stdin, one JSON line each, in order, on stdout.
// It logs to stderr as JSON. When stdin closes (the daemon closed it, or died) it closes its
// listeners and exits, so no agent keeps proxying traffic for a daemon that is gone.
import { lineSplitter } from '../../lines.ts';
import { createLogger } from '../../log.ts';
import { realExec } from '../../sys/exec.ts';
import type { Dataplane } from '../mode.ts';
import { errorBody, parseRequest, type AgentReply, type AgentRequest } from './agent-protocol.ts';
import { openUserspaceDataplane } from './dataplane.ts';
import type { UserspacePlan } from './plan-types.ts';
import type { AgentOptions } from './remote-dataplane.ts';

function parseOptions(text: string | undefined): AgentOptions {
  if (text === undefined || text === '') return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`netns agent options must be a JSON object, got ${text}`);
  return value as AgentOptions;
}

function answer(dataplane: Dataplane<UserspacePlan>, request: AgentRequest): Promise<unknown> {
  switch (request.method) {
    case 'setup':
      return dataplane.setup();
    case 'apply':
      return dataplane.apply(request.plan);
    case 'observe':
      return dataplane.observe(request.servicePortName);
    case 'cleanup':
      return dataplane.cleanup();
    case 'close':
      return dataplane.close();
  }
}

function requestId(line: string): number | undefined {
  try {
    const value: unknown = JSON.parse(line);
    const id: unknown = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['id'] : undefined;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

function reply(message: AgentReply): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function main(): void {
  const log = createLogger({ verbosity: Number(process.env['KPX_AGENT_VERBOSITY'] ?? 0), destination: process.stderr }).child({ agent: 'userspace-netns' });
  const dataplane = openUserspaceDataplane({ exec: realExec, clock: { now: () => Date.now() }, log }, parseOptions(process.argv[2]));
  // Requests run one after another, in the order they arrived.
  let queue: Promise<void> = Promise.resolve();

  const handle = (line: string): void => {
    const request = parseRequest(line);
    if (request === undefined) {
      log.warn({ line: line.slice(0, 500) }, 'ignoring a line that is not a request');
      const id = requestId(line);
      // Answered, in turn, so that the caller's call fails instead of waiting forever.
      if (id !== undefined)
        queue = queue.then(() =>
          reply({ id, ok: false, error: { code: 'KPX_ERR_INPUT', message: 'not a netns agent request', context: { line: line.slice(0, 200) } } }),
        );
      return;
    }
    queue = queue.then(async () => {
      try {
        const result = await answer(dataplane, request);
        reply({ id: request.id, ok: true, result: result ?? null });
      } catch (error) {
        reply({ id: request.id, ok: false, error: errorBody(error) });
      }
    });
  };

  process.stdin.setEncoding('utf8');
  process.stdin.on(
    'data',
    lineSplitter((line) => {
      if (line !== '') handle(line);
    }),
  );
  const stop = (why: string): void => {
    queue = queue.then(async () => {
      log.info({ why }, 'netns agent stopping');
      await dataplane.close().catch((error: unknown) => log.warn({ err: error }, 'closing the listeners failed'));
      process.stdout.write('', () => process.exit(0));
    });
  };
  process.stdin.on('end', () => stop('stdin closed'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A terminal's Ctrl-C reaches the whole process group; the daemon decides when the agent stops.
  process.on('SIGINT', () => undefined);
  log.info({ pid: process.pid }, 'netns agent ready');
}

main();
