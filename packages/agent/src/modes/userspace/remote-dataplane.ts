// The userspace dataplane for `kpx run --netns NAME`: the sockets must live inside the
// namespace while the daemon stays on the host (it reaches the API server there), so the real
// dataplane runs in a child agent (netns-agent.ts) started with `ip netns exec`. This side
// forwards each Dataplane call as a JSON line and turns the reply back into a result or a
// KpxError. The agent exits when its stdin closes, so it never outlives the daemon: unlike
// the iptables/ipvs rules, the userspace listeners stop when `kpx run` stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KpxError } from '../../errors.ts';
import { lineSplitter } from '../../lines.ts';
import type { Logger } from '../../log.ts';
import type { ServicePortName } from '../../model/types.ts';
import type { ApplyReport, Dataplane, Observed } from '../mode.ts';
import { errorFromBody, parseJsonObject, parseReply, type AgentRequest } from './agent-protocol.ts';
import type { UserspaceDataplaneOptions } from './dataplane.ts';
import type { UserspacePlan } from './plan-types.ts';

/** The agent's options: what of UserspaceDataplaneOptions survives JSON (no SCTP factory). */
export type AgentOptions = Omit<UserspaceDataplaneOptions, 'sctp'>;

export const NETNS_AGENT_PATH = fileURLToPath(new URL('./netns-agent.ts', import.meta.url));

const STDERR_TAIL_CHARS = 4_000;

export interface RemoteDataplaneOptions {
  readonly log: Logger;
  /** Starts the agent with piped stdin/stdout/stderr. */
  readonly spawnAgent: () => ChildProcess;
  /** How long close() waits for the agent to exit before SIGKILL (default 5s). */
  readonly closeTimeoutMs?: number;
}

/** `ip netns exec NAME <this node> netns-agent.ts OPTIONS`. */
export function spawnNetnsAgent(netns: string, options: AgentOptions = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', netns, process.execPath, NETNS_AGENT_PATH, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
}

type Call = { method: 'setup' | 'cleanup' | 'close' } | { method: 'apply'; plan: UserspacePlan } | { method: 'observe'; servicePortName?: ServicePortName };

interface Pending {
  readonly method: string;
  resolve(result: unknown): void;
  reject(error: KpxError): void;
}

/** Splits a stream into lines, calling `onLine` for each complete one. */
function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  stream.setEncoding('utf8');
  stream.on(
    'data',
    lineSplitter((line) => {
      if (line !== '') onLine(line);
    }),
  );
}

/** One running agent: its calls, and how it ends. */
interface AgentConnection {
  call(request: Call): Promise<unknown>;
  /** Asks the agent to close its listeners, ends its stdin, and waits for it to exit (SIGKILL after the timeout). */
  close(): Promise<void>;
  /** Set once the agent has exited or could not start. */
  death(): KpxError | undefined;
}

function connectAgent(options: RemoteDataplaneOptions, log: Logger, onUnexpectedDeath: () => void): AgentConnection {
  const child = options.spawnAgent();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stderrTail = '';
  let death: KpxError | undefined;
  let closing = false;

  const exited = new Promise<void>((resolve) => {
    const died = (code: number | null, signal: NodeJS.Signals | null, cause?: Error): void => {
      if (death !== undefined) return;
      death = new KpxError('KPX_ERR_EXEC', 'the userspace netns agent is gone', {
        ...(cause === undefined ? {} : { cause }),
        context: { code, signal, stderr: stderrTail.slice(-STDERR_TAIL_CHARS) },
      });
      for (const call of pending.values()) call.reject(death);
      pending.clear();
      resolve();
      if (!closing) {
        log.error({ err: death }, 'userspace netns agent exited');
        onUnexpectedDeath();
      }
    };
    child.once('exit', (code, signal) => died(code, signal));
    child.once('error', (error) => died(null, null, error));
  });

  if (child.stdout === null || child.stdin === null || child.stderr === null) throw new Error('the netns agent needs piped stdio');
  const stdin = child.stdin;
  // A write after the agent died fails with EPIPE; the exit handler already failed the call.
  stdin.on('error', () => undefined);

  onLines(child.stdout, (line) => {
    const reply = parseReply(line);
    const call = reply === undefined ? undefined : pending.get(reply.id);
    if (reply === undefined || call === undefined) {
      log.warn({ line: line.slice(0, 500) }, 'unexpected output from the userspace netns agent');
      return;
    }
    pending.delete(reply.id);
    if (reply.ok) call.resolve(reply.result);
    else call.reject(errorFromBody(reply.error, { method: call.method }));
  });
  onLines(child.stderr, (line) => {
    stderrTail = (stderrTail + line + '\n').slice(-STDERR_TAIL_CHARS);
    const entry = parseJsonObject(line);
    if (entry === undefined) log.debug({ stderr: line }, 'userspace netns agent');
    else log.debug({ agentLog: entry }, typeof entry['msg'] === 'string' ? entry['msg'] : 'userspace netns agent');
  });

  function call(request: Call): Promise<unknown> {
    if (death !== undefined) return Promise.reject(death);
    const id = nextId++;
    const message: AgentRequest = { id, ...request } as AgentRequest;
    return new Promise((resolve, reject) => {
      pending.set(id, { method: request.method, resolve, reject });
      stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  async function close(): Promise<void> {
    if (closing) return exited;
    closing = true;
    if (death === undefined) {
      try {
        await call({ method: 'close' });
      } catch (error) {
        log.warn({ err: error }, 'the userspace netns agent failed to close its listeners');
      }
    }
    stdin.end();
    const timer = setTimeout(() => {
      log.warn({ pid: child.pid }, 'the userspace netns agent did not exit; killing it');
      child.kill('SIGKILL');
    }, options.closeTimeoutMs ?? 5_000);
    await exited;
    clearTimeout(timer);
  }

  return { call, close, death: () => death };
}

/** Restart delays after the agent died unexpectedly: doubling from this, up to the max. */
const RESTART_DELAY_MS = 100;
const RESTART_DELAY_MAX_MS = 5_000;

export function openRemoteUserspaceDataplane(options: RemoteDataplaneOptions): Dataplane<UserspacePlan> {
  const log = options.log.child({ mode: 'userspace', agent: true });
  let closing = false;
  let wasSetUp = false;
  /** The newest plan asked for: what a restarted agent must serve again. */
  let desiredPlan: UserspacePlan | undefined;
  let failedRestarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  // The listeners live in the agent: if it dies (killed, out of memory), traffic to every
  // service stops until it is back. It is started again at once, set up, and given the newest
  // plan, without waiting for the next sync; the calls that were in flight fail as before.
  const scheduleRestart = (): void => {
    if (closing || restartTimer !== undefined) return;
    const delayMs = Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** failedRestarts);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (closing) return;
      agent = connectAgent(options, log, scheduleRestart);
      const restarted = agent;
      void (async () => {
        if (wasSetUp) await restarted.call({ method: 'setup' });
        if (desiredPlan !== undefined) await restarted.call({ method: 'apply', plan: desiredPlan });
        failedRestarts = 0;
        log.warn({ listeners: desiredPlan?.listeners.length ?? 0 }, 'restarted the userspace netns agent and gave it the current plan');
      })().catch((error: unknown) => {
        failedRestarts += 1;
        log.error({ err: error, failedRestarts }, 'the restarted userspace netns agent failed to take the current plan');
        if (restarted.death() === undefined) void restarted.close().then(scheduleRestart);
      });
    }, delayMs);
  };

  let agent = connectAgent(options, log, scheduleRestart);

  return {
    setup: async () => {
      wasSetUp = true;
      await agent.call({ method: 'setup' });
    },
    apply: async (plan) => {
      desiredPlan = plan;
      return (await agent.call({ method: 'apply', plan })) as ApplyReport;
    },
    observe: async (servicePortName) =>
      (await agent.call(servicePortName === undefined ? { method: 'observe' } : { method: 'observe', servicePortName })) as Observed,
    cleanup: async () => void (await agent.call({ method: 'cleanup' })),
    close: async () => {
      closing = true;
      clearTimeout(restartTimer);
      await agent.close();
    },
  };
}
