// Turns the bytes of a watch response into events: newline-delimited JSON objects
// `{"type": …, "object": {…}}`, split at any byte boundary. Pure.
//
// Unlike the client library's Watch, which silently drops a line it cannot parse (and the
// event with it), every bad line comes out as a DecodeFailure so the loop can count it
// and re-watch from the last good resourceVersion instead of missing a change.
import { isRecord } from '../model/field-reader.ts';
import type { RawObject } from '../model/inputs.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface DecodedEvent {
  readonly type: WatchEventType;
  readonly object: RawObject;
}

/** Why a line is not an event: a stable label value (`kpx_watch_decode_errors_total{reason}`). */
export type DecodeReason = 'not-json' | 'not-an-object' | 'unknown-event-type' | 'no-object' | 'line-too-long' | 'truncated';

export interface DecodeFailure {
  readonly type: 'DECODE_FAILURE';
  readonly reason: DecodeReason;
  /** The start of the offending line, for the log. */
  readonly excerpt: string;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);
const NEWLINE = 0x0a;
const EXCERPT_BYTES = 200;

/**
 * A line longer than this is not a watch event of a kind kpx watches. etcd refuses values over
 * 1.5 MiB (its default --max-request-bytes) and the API server write bodies over 3 MiB, so
 * no stored object is larger, and an event is that object in JSON plus a short envelope. 8 MiB
 * leaves more than twice the room for JSON's overhead over the stored form, while keeping what
 * a hostile or broken stream can make kpx hold (and JSON.parse) to a few MiB.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface WatchDecoder {
  /** Feeds a chunk; returns the events (and failures) completed by it, in order. Linear in the chunk's size. */
  push(chunk: Buffer): (DecodedEvent | DecodeFailure)[];
  /** The stream ended: a trailing partial line is a failure. */
  end(): (DecodedEvent | DecodeFailure)[];
}

/**
 * Splits on the newline byte (never part of a multi-byte UTF-8 character), holding the pieces
 * of the open line without joining them until it ends. A line that outgrows `maxLineBytes` is
 * reported once, its held pieces released, and the rest of it skipped as it streams in.
 */
export function createWatchDecoder(maxLineBytes: number = MAX_LINE_BYTES): WatchDecoder {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let isSkipping = false;
  const drop = (): void => {
    held = [];
    heldBytes = 0;
  };
  const release = (): Buffer => {
    const line = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes);
    drop();
    return line;
  };
  const hold = (piece: Buffer, out: (DecodedEvent | DecodeFailure)[]): void => {
    if (isSkipping || piece.length === 0) return;
    if (heldBytes + piece.length <= maxLineBytes) {
      held.push(piece);
      heldBytes += piece.length;
      return;
    }
    out.push(failure('line-too-long', excerptOf([...held, piece])));
    drop();
    isSkipping = true;
  };
  return {
    push(chunk) {
      const out: (DecodedEvent | DecodeFailure)[] = [];
      let start = 0;
      for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
        hold(chunk.subarray(start, newline), out);
        const line = release().toString('utf8');
        if (!isSkipping && line.trim() !== '') out.push(decodeLine(line));
        isSkipping = false;
        start = newline + 1;
      }
      hold(chunk.subarray(start), out);
      return out;
    },
    end() {
      const rest = release().toString('utf8');
      const wasSkipping = isSkipping;
      isSkipping = false;
      return wasSkipping || rest.trim() === '' ? [] : [failure('truncated', rest)];
    },
  };
}

export function decodeLine(line: string): DecodedEvent | DecodeFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return failure('not-json', line);
  }
  if (!isRecord(parsed)) return failure('not-an-object', line);
  const { type, object } = parsed;
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return failure('unknown-event-type', line);
  if (!isRecord(object)) return failure('no-object', line);
  return { type: type as WatchEventType, object };
}

function excerptOf(pieces: readonly Buffer[]): string {
  const start: Buffer[] = [];
  let bytes = 0;
  for (const piece of pieces) {
    if (bytes >= EXCERPT_BYTES) break;
    start.push(piece.subarray(0, EXCERPT_BYTES - bytes));
    bytes += start.at(-1)?.length ?? 0;
  }
  return Buffer.concat(start).toString('utf8');
}

function failure(reason: DecodeReason, line: string): DecodeFailure {
  return { type: 'DECODE_FAILURE', reason, excerpt: line.slice(0, EXCERPT_BYTES) };
}
