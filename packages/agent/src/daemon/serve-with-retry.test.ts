import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { ListeningServer } from './http-listen.ts';
import { serveWithRetry, type ServedServer } from './serve-with-retry.ts';

function flakyServer(failures: number): ServedServer & { attempts: () => number } {
  let attempts = 0;
  return {
    failure: 'healthz server failed',
    reason: 'FailedToStartProxierHealthcheck',
    attempts: () => attempts,
    async start(): Promise<ListeningServer> {
      attempts += 1;
      if (attempts <= failures) throw new Error('listen EADDRINUSE: address already in use 0.0.0.0:10256');
      return { host: '0.0.0.0', port: 10256, close: async () => undefined };
    },
  };
}

describe('serveWithRetry (upstream serveHealthz/serveMetrics)', () => {
  it('without bindAddressHardFail: a bind failure is retried until it binds, and no Event is recorded', async () => {
    const server = flakyServer(2);
    const listening: ListeningServer[] = [];
    const warnings: string[] = [];
    const retries = await serveWithRetry(server, {
      hardFail: false,
      log: silentLogger(),
      retryMs: 5,
      onListening: (bound) => listening.push(bound),
      recordWarning: async (reason) => void warnings.push(reason),
    });
    for (let waited = 0; listening.length === 0 && waited < 2_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    retries.stop();
    expect(server.attempts()).toBe(3);
    expect(listening).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('with bindAddressHardFail: a Warning Event with the error, then a rejection', async () => {
    const warnings: [string, string][] = [];
    const serve = serveWithRetry(flakyServer(1), {
      hardFail: true,
      log: silentLogger(),
      onListening: () => undefined,
      recordWarning: async (reason, message) => void warnings.push([reason, message]),
    });
    await expect(serve).rejects.toMatchObject({
      code: 'KPX_ERR_EXEC',
      message: 'healthz server failed: listen EADDRINUSE: address already in use 0.0.0.0:10256',
    });
    expect(warnings).toEqual([['FailedToStartProxierHealthcheck', 'healthz server failed: listen EADDRINUSE: address already in use 0.0.0.0:10256']]);
  });

  it('stops retrying once stopped', async () => {
    const server = flakyServer(100);
    const retries = await serveWithRetry(server, {
      hardFail: false,
      log: silentLogger(),
      retryMs: 5,
      onListening: () => undefined,
      recordWarning: async () => undefined,
    });
    retries.stop();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(server.attempts()).toBe(1);
  });
});
