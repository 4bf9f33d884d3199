// Turns the bytes of a watch response into events: newline-delimited JSON objects
// `{"type": …, "object": {…}}`, split at any byte boundary. Pure.
//
// Unlike the client library's Watch, which silently drops a line it cannot parse (and the
// event with it), every bad line comes out as a DecodeFailure so the loop can count it
// and re-watch from the last good resourceVersion instead of missing a change.
import { StringDecoder } from 'node:string_decoder';
import type { RawObject } from '../model/inputs.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface DecodedEvent {
  readonly type: WatchEventType;
  readonly object: RawObject;
}

export interface DecodeFailure {
  readonly type: 'DECODE_FAILURE';
  readonly reason: string;
  /** The start of the offending line, for the log. */
  readonly excerpt: string;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);
/** A line longer than this without a newline is not a watch event. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface WatchDecoder {
  /** Feeds a chunk; returns the events (and failures) completed by it, in order. */
  push(chunk: Buffer): (DecodedEvent | DecodeFailure)[];
  /** The stream ended: a trailing partial line is a failure. */
  end(): (DecodedEvent | DecodeFailure)[];
}

export function createWatchDecoder(maxLineBytes: number = MAX_LINE_BYTES): WatchDecoder {
  const utf8 = new StringDecoder('utf8');
  let partial = '';
  return {
    push(chunk) {
      const text = partial + utf8.write(chunk);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      const out = lines.filter((line) => line.trim() !== '').map(decodeLine);
      if (partial.length > maxLineBytes) {
        out.push(failure('line exceeds the size limit', partial));
        partial = '';
      }
      return out;
    },
    end() {
      const rest = partial + utf8.end();
      partial = '';
      return rest.trim() === '' ? [] : [failure('stream ended inside a line', rest)];
    },
  };
}

export function decodeLine(line: string): DecodedEvent | DecodeFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return failure('not JSON', line);
  }
  if (!isRecord(parsed)) return failure('not a JSON object', line);
  const { type, object } = parsed;
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return failure('unknown event type', line);
  if (!isRecord(object)) return failure('event without an object', line);
  return { type: type as WatchEventType, object };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function failure(reason: string, line: string): DecodeFailure {
  return { type: 'DECODE_FAILURE', reason, excerpt: line.slice(0, 200) };
}
