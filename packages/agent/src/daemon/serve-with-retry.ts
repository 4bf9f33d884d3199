// The healthz and metrics servers as upstream's serveHealthz/serveMetrics run them: a bind
// failure is logged and retried every 5 s (wait.Until), and is fatal only with
// bindAddressHardFail, after a Warning Event on the Node (FailedToStartProxierHealthcheck /
// FailedToStartMetricServer) says why.
import { KpxError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ListeningServer } from './http-listen.ts';
import type { WarningReason } from './node-event.ts';

export const SERVER_RETRY_MS = 5_000;

export interface ServedServer {
  /** `healthz server failed` / `starting metrics server failed`: upstream's error prefix. */
  readonly failure: string;
  readonly reason: Extract<WarningReason, 'FailedToStartProxierHealthcheck' | 'FailedToStartMetricServer'>;
  start(): Promise<ListeningServer>;
}

export interface ServeOptions {
  readonly hardFail: boolean;
  readonly log: Logger;
  /** Records the Warning Event; resolves when posted (or failed to be). */
  readonly recordWarning: (reason: ServedServer['reason'], message: string) => Promise<void>;
  readonly onListening: (server: ListeningServer) => void;
  readonly retryMs?: number;
}

export interface ServerRetries {
  /** Stops retrying (the daemon is stopping). */
  stop(): void;
}

/**
 * Starts `server`, resolving after the first attempt. With hardFail a failure rejects with
 * KPX_ERR_EXEC (after the Event); without, it is retried in the background until it binds.
 */
export async function serveWithRetry(server: ServedServer, options: ServeOptions): Promise<ServerRetries> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async (): Promise<Error | undefined> => {
    try {
      const listening = await server.start();
      if (stopped) await listening.close();
      else options.onListening(listening);
      return undefined;
    } catch (error) {
      const cause = (error as Error).cause;
      const detail = cause instanceof Error ? `: ${cause.message}` : '';
      return new Error(`${server.failure}: ${(error as Error).message}${detail}`, { cause: error });
    }
  };
  const retry = (): void => {
    timer = setTimeout(() => {
      void attempt().then((error) => {
        if (error === undefined || stopped) return;
        options.log.error({ err: error }, 'server failed to start; retrying');
        retry();
      });
    }, options.retryMs ?? SERVER_RETRY_MS);
    timer.unref();
  };
  const first = await attempt();
  if (first !== undefined) {
    if (options.hardFail) {
      await options.recordWarning(server.reason, first.message);
      throw new KpxError('KPX_ERR_EXEC', first.message, { cause: first, context: { reason: server.reason } });
    }
    options.log.error({ err: first }, 'server failed to start; retrying');
    retry();
  }
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
