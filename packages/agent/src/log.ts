// pino, with kube-proxy's -v verbosity mapped onto pino levels, writing kube-proxy's formats
// (log-format.ts) through a destination that re-renders each line pino emits: klog's text or
// component-base's JSON, on stderr as kube-proxy writes them.
import { pino, type Logger as PinoLogger } from 'pino';
import { formatComponentJson, formatKlogText, type LogFormat, type LogRecord } from './log-format.ts';

export type Logger = PinoLogger;
export type { LogFormat } from './log-format.ts';

/** -v 0..1 → info, 2..3 → debug, 4+ → trace (klog's conventions: 2 is "useful steady state", 4 debug). */
export function levelForVerbosity(verbosity: number): 'info' | 'debug' | 'trace' {
  if (verbosity >= 4) return 'trace';
  if (verbosity >= 2) return 'debug';
  return 'info';
}

export interface LoggerOptions {
  readonly verbosity?: number;
  /** Default: stderr, where klog and component-base write. */
  readonly destination?: NodeJS.WritableStream;
  /** Default 'json' (component-base's shape); `kpx run` passes --logging-format (default text). */
  readonly format?: LogFormat;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = levelForVerbosity(options.verbosity ?? 0);
  const out = options.destination ?? process.stderr;
  const format = options.format ?? 'json';
  const destination = {
    write(line: string): void {
      const record = parseRecord(line);
      if (record === undefined) out.write(line);
      else out.write(format === 'text' ? formatKlogText(record, process.pid) : formatComponentJson(record));
    },
  };
  return pino({ level, base: undefined, timestamp: () => `,"time":${performance.timeOrigin + performance.now()}` }, destination);
}

function parseRecord(line: string): LogRecord | undefined {
  try {
    const { level, time, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
    if (typeof level !== 'number' || typeof time !== 'number') return undefined;
    return { level, time, msg: typeof msg === 'string' ? msg : '', fields };
  } catch {
    return undefined;
  }
}

/** A logger that drops everything: for tests and pure CLI commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
