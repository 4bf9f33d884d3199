// kube-proxy's two log formats, from one log record (what pino hands its destination):
// klog's text (`I1204 18:00:00.000000   12345 kpx:0] "message" key="value"`) and
// component-base's JSON (`{"ts":1733335200000.123,"caller":"kpx:0","msg":"message","v":0,…}`).
// kpx has no Go file:line, so the caller is the stable stand-in CALLER. Pure: the time and pid
// come with the record.

/** Where klog prints `file.go:123`. */
export const CALLER = 'kpx:0';

export type LogFormat = 'text' | 'json';

export interface LogRecord {
  /** pino's level number: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
  readonly level: number;
  /** ms since the epoch, fractional. */
  readonly time: number;
  readonly msg: string;
  /** Everything else: bound and call fields; `err` as pino serializes an error. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The V level of a pino level (kube-proxy: V(0) always, V(2) per-sync lines, V(4) detail). */
export function verbosityOfLevel(level: number): number {
  if (level <= 10) return 4;
  if (level <= 20) return 2;
  return 0;
}

function severityLetter(level: number): string {
  if (level >= 60) return 'F';
  if (level >= 50) return 'E';
  if (level >= 40) return 'W';
  return 'I';
}

const two = (value: number): string => String(value).padStart(2, '0');

/** klog's header, in local time as klog prints it: `Lmmdd hh:mm:ss.uuuuuu pid file:line] `. */
function klogHeader(record: LogRecord, pid: number): string {
  const date = new Date(Math.floor(record.time));
  const micros = Math.floor((record.time - Math.floor(record.time / 1000) * 1000) * 1000);
  const clock = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(micros).padStart(6, '0')}`;
  return `${severityLetter(record.level)}${two(date.getMonth() + 1)}${two(date.getDate())} ${clock} ${String(pid).padStart(7, ' ')} ${CALLER}] `;
}

/** The text of an error as klog's `err="…"` and zapr's `"err":"…"` show it. */
function errorText(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const { message, code } = value as { message: unknown; code?: unknown };
    return typeof code === 'string' && code !== '' ? `${String(message)} (${code})` : String(message);
  }
  return value;
}

function klogValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return '<nil>';
  return JSON.stringify(value) ?? String(value);
}

/** One klog text line (with its newline); `err` comes first, as klog's Error(err, msg, …). */
export function formatKlogText(record: LogRecord, pid: number): string {
  const parts = [`${klogHeader(record, pid)}${JSON.stringify(record.msg)}`];
  const { err, ...rest } = record.fields;
  if (err !== undefined) parts.push(`err=${klogValue(errorText(err))}`);
  for (const [key, value] of Object.entries(rest)) parts.push(`${key}=${klogValue(value)}`);
  return `${parts.join(' ')}\n`;
}

/** One component-base JSON line: ts, caller, msg, then `v` (info) or `err` (errors), then the fields. */
export function formatComponentJson(record: LogRecord): string {
  const { err, ...rest } = record.fields;
  const head: Record<string, unknown> = { ts: record.time, caller: CALLER, msg: record.msg };
  if (record.level >= 50) head['err'] = err === undefined ? null : errorText(err);
  else {
    head['v'] = verbosityOfLevel(record.level);
    if (err !== undefined) head['err'] = errorText(err);
  }
  return `${JSON.stringify({ ...head, ...rest })}\n`;
}
