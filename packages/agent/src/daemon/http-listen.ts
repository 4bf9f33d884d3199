// The one way the daemon's HTTP endpoints listen: a handler that cannot throw across
// the socket callback, a bound address read back (port 0 in tests), and a close that
// also ends keep-alive connections so no socket outlives it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KpxError } from '../errors.ts';

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface ListeningServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Go's http.NotFound body. */
export function writeNotFound(response: ServerResponse): void {
  response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  response.end('404 page not found\n');
}

/** The request's path without its query string. */
export function requestPath(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

function safely(handler: HttpHandler): HttpHandler {
  return async (request, response) => {
    try {
      await handler(request, response);
    } catch {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end();
    }
  };
}

/** Listens on host:port (host undefined: every address, both families when available). */
export function listenHttp(handler: HttpHandler, address: { readonly host: string | undefined; readonly port: number }): Promise<ListeningServer> {
  const server = createServer(safely(handler));
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new KpxError('KPX_ERR_CONFIG', `cannot listen on ${address.host ?? '*'}:${address.port}`, { cause: error, context: { ...address } }));
    };
    server.once('error', onError);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off('error', onError);
      // Accept-time errors (EMFILE, …) must not crash the daemon; the server keeps going.
      server.on('error', () => undefined);
      const bound = server.address() as AddressInfo;
      resolve({
        host: bound.address,
        port: bound.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
