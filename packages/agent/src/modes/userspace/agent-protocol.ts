// The wire format between the remote userspace dataplane (in the daemon) and its netns agent
// (netns-agent.ts): one JSON object per line, a request on the agent's stdin, its reply on
// the agent's stdout. Requests are answered in order.
import { ERROR_CODES, KpxError, type ErrorCode } from '../../errors.ts';
import type { ServicePortName } from '../../model/types.ts';
import type { UserspacePlan } from './plan-types.ts';

export type AgentRequest =
  | { readonly id: number; readonly method: 'setup' | 'cleanup' | 'close' }
  | { readonly id: number; readonly method: 'apply'; readonly plan: UserspacePlan }
  | { readonly id: number; readonly method: 'observe'; readonly servicePortName?: ServicePortName };

export interface AgentErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

export type AgentReply =
  { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: AgentErrorBody };

/** A thrown value as the agent reports it: a KpxError keeps its code; anything else is KPX_ERR_UNSUPPORTED. */
export function errorBody(error: unknown): AgentErrorBody {
  if (error instanceof KpxError) return { code: error.code, message: error.message, context: error.context };
  return { code: 'KPX_ERR_UNSUPPORTED', message: error instanceof Error ? error.message : String(error), context: {} };
}

/** The reply's error as a KpxError again, an unknown code mapped to KPX_ERR_UNSUPPORTED. */
export function errorFromBody(body: AgentErrorBody, context: Readonly<Record<string, unknown>> = {}): KpxError {
  const code: ErrorCode = Object.hasOwn(ERROR_CODES, body.code) ? body.code : 'KPX_ERR_UNSUPPORTED';
  return new KpxError(code, body.message, { context: { ...body.context, ...context, from: 'userspace netns agent' } });
}

/** One line as a JSON object; undefined for anything else (never thrown). */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Parses one reply line; undefined for a line that is not a reply (never thrown). */
export function parseReply(line: string): AgentReply | undefined {
  const reply = parseJsonObject(line);
  if (reply === undefined) return undefined;
  if (typeof reply['id'] !== 'number' || typeof reply['ok'] !== 'boolean') return undefined;
  if (reply['ok'] === false) {
    const error = reply['error'] as Record<string, unknown> | undefined;
    if (typeof error !== 'object' || error === null || typeof error['message'] !== 'string') return undefined;
    const context = typeof error['context'] === 'object' && error['context'] !== null ? (error['context'] as Record<string, unknown>) : {};
    return { id: reply['id'], ok: false, error: { code: String(error['code']) as ErrorCode, message: error['message'], context } };
  }
  return { id: reply['id'], ok: true, result: reply['result'] };
}

/** Parses one request line; undefined for anything that is not a known request. */
export function parseRequest(line: string): AgentRequest | undefined {
  const request = parseJsonObject(line);
  if (request === undefined) return undefined;
  const id = request['id'];
  if (typeof id !== 'number') return undefined;
  switch (request['method']) {
    case 'setup':
    case 'cleanup':
    case 'close':
      return { id, method: request['method'] };
    case 'apply':
      return typeof request['plan'] === 'object' && request['plan'] !== null ? { id, method: 'apply', plan: request['plan'] as UserspacePlan } : undefined;
    case 'observe':
      return typeof request['servicePortName'] === 'string'
        ? { id, method: 'observe', servicePortName: request['servicePortName'] }
        : { id, method: 'observe' };
    default:
      return undefined;
  }
}
