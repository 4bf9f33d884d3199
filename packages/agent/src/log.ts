// pino, with kube-proxy's -v verbosity mapped onto pino levels.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** -v 0..1 → info, 2..3 → debug, 4+ → trace (klog's conventions: 2 is "useful steady state", 4 debug). */
export function levelForVerbosity(verbosity: number): 'info' | 'debug' | 'trace' {
  if (verbosity >= 4) return 'trace';
  if (verbosity >= 2) return 'debug';
  return 'info';
}

export function createLogger(options: { verbosity?: number; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = levelForVerbosity(options.verbosity ?? 0);
  return options.destination === undefined
    ? pino({ level, base: { component: 'kpx' } })
    : pino({ level, base: { component: 'kpx' } }, options.destination as pino.DestinationStream);
}

/** A logger that drops everything: for tests and pure CLI commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
