// The TCP proxy of one listener: accept, pick an endpoint (failing over on connect errors as
// upstream's userspace proxier did), then copy both ways with stream backpressure. Half-close
// travels both ways (allowHalfOpen), a reset on either side resets the other, and an idle
// connection is closed after `idleTimeoutMs` (0: never, as upstream).
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { UserspaceListener, UpstreamEndpoint } from '../plan-types.ts';
import { createEndpointPicker, failoverOrder } from '../pick-endpoint.ts';
import { clientAddress, type ProxyDeps, type ProxyListener } from './proxy-listener.ts';
import { isSourceAllowed } from './source-ranges.ts';

export interface StreamProxyOptions {
  /** Close a connection with no traffic either way for this long; 0 disables. */
  readonly idleTimeoutMs: number;
  readonly backlog?: number;
}

/** How a stream protocol opens sockets: TCP here, SCTP through the native layer. */
export interface StreamTransport {
  listen(server: Server, address: string, port: number, backlog: number): Promise<void>;
  /** Resolves with a connected socket; rejects on failure, timeout or abort (the attempt is torn down). */
  connect(endpoint: UpstreamEndpoint, timeoutMs: number, signal: AbortSignal): Promise<Socket>;
}

export const tcpTransport: StreamTransport = {
  listen: (server, address, port, backlog) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, backlog, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }),
  connect: (endpoint, timeoutMs, signal) =>
    new Promise((resolve, reject) => {
      const upstream = connect({ host: endpoint.ip, port: endpoint.port, allowHalfOpen: true, noDelay: true });
      const fail = (error: Error): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        upstream.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(new Error('aborted'));
      const timer = setTimeout(() => fail(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      upstream.once('error', fail);
      upstream.once('connect', () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        upstream.off('error', fail);
        resolve(upstream);
      });
    }),
};

/** Copies both ways until both sides are done; a reset or error on one side resets the other. */
function splice(client: Socket, upstream: Socket, idleTimeoutMs: number, onClosed: () => void): void {
  let closedSides = 0;
  // A side that closes while its peer still has a direction open was cut short: cut the peer too.
  const closed = (peer: Socket) => (): void => {
    closedSides += 1;
    if (!peer.destroyed && !(peer.readableEnded && peer.writableEnded)) peer.destroy();
    if (closedSides === 2) onClosed();
  };
  client.on('close', closed(upstream));
  upstream.on('close', closed(client));
  client.on('error', () => upstream.resetAndDestroy());
  upstream.on('error', () => client.resetAndDestroy());
  if (idleTimeoutMs > 0) {
    // Every byte moved is a read on one socket and a write on the other, so the client
    // socket's own idle timer sees traffic in both directions.
    client.setTimeout(idleTimeoutMs, () => {
      client.destroy();
      upstream.destroy();
    });
  }
  upstream.pipe(client);
  client.pipe(upstream);
}

export async function openStreamListener(
  initial: UserspaceListener,
  deps: ProxyDeps,
  options: StreamProxyOptions,
  transport: StreamTransport = tcpTransport,
): Promise<ProxyListener> {
  let listener = initial;
  const picker = createEndpointPicker(listener.endpoints, listener.sessionAffinity, deps.clock);
  const connections = new Map<Socket, Socket>();
  /** Accepted clients still waiting for an endpoint to answer. */
  const connecting = new Set<Socket>();
  const log = deps.log.child({ listener: listener.key });

  async function connectUpstream(client: Socket, clientIP: string): Promise<void> {
    const aborter = new AbortController();
    const abort = (): void => aborter.abort();
    connecting.add(client);
    client.once('close', abort);
    client.on('error', () => undefined);
    try {
      for (const { endpoint, timeoutMs } of failoverOrder(picker, clientIP)) {
        let upstream: Socket;
        try {
          upstream = await transport.connect(endpoint, timeoutMs, aborter.signal);
        } catch (error) {
          if (aborter.signal.aborted) return;
          log.debug({ endpoint: endpoint.endpoint, code: (error as NodeJS.ErrnoException).code }, 'endpoint connect failed, trying the next');
          continue;
        }
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        connections.set(client, upstream);
        splice(client, upstream, options.idleTimeoutMs, () => connections.delete(client));
        return;
      }
      client.resetAndDestroy();
    } finally {
      connecting.delete(client);
      client.off('close', abort);
    }
  }

  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
    try {
      const clientIP = clientAddress(client.remoteAddress);
      if (!isSourceAllowed(listener.sourceRanges, clientIP)) {
        client.resetAndDestroy();
        return;
      }
      void connectUpstream(client, clientIP).catch((error: unknown) => {
        log.error({ err: error }, 'connection setup failed');
        client.destroy();
      });
    } catch (error) {
      log.error({ err: error }, 'connection setup failed');
      client.destroy();
    }
  });
  server.on('error', (error) => log.error({ err: error }, 'listener failed'));
  await transport.listen(server, listener.address, listener.port, options.backlog ?? 4096);

  return {
    update(next) {
      listener = next;
      picker.update(next.endpoints, next.sessionAffinity);
    },
    // server.close() stops accepting at once; its callback would wait for every connection to drain.
    close: async () => {
      server.close();
    },
    async destroy() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const client of connecting) client.destroy();
      for (const [client, upstream] of connections) {
        client.destroy();
        upstream.destroy();
      }
      await closing;
    },
    activeCount: () => connections.size,
  };
}
