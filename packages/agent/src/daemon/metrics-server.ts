// kube-proxy's metrics port (--metrics-bind-address, default 127.0.0.1:10249):
// /metrics (Prometheus text), /metrics/slis (component-base's SLI metrics: each run of the
// ping check behind /healthz), /healthz and /healthz/ping (component-base's ping
// check), /proxyMode (the mode as plain text) and /configz (the running configuration
// under its API group, as component-base's configz writes it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModeName } from '../modes/mode.ts';
import { listenHttp, requestPath, writeNotFound, type ListeningServer } from './http-listen.ts';
import type { ProxyMetrics } from './metrics.ts';

/** The configz key kube-proxy registers its configuration under. */
export const CONFIGZ_GROUP = 'kubeproxy.config.k8s.io';

export interface MetricsServerOptions {
  /** undefined: every address. */
  readonly host: string | undefined;
  readonly port: number;
  readonly metrics: ProxyMetrics;
  readonly proxyMode: ModeName;
  /** The effective KubeProxyConfiguration, as /configz shows it. */
  readonly getConfig: () => unknown;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } as const;

function hasQueryParameter(request: IncomingMessage, name: string): boolean {
  return new URL(request.url ?? '/', 'http://localhost').searchParams.has(name);
}

function serveHealthz(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, TEXT);
  response.end(hasQueryParameter(request, 'verbose') ? '[+]ping ok\nhealthz check passed\n' : 'ok');
}

export function startMetricsServer(options: MetricsServerOptions): Promise<ListeningServer> {
  return listenHttp(async (request, response) => {
    switch (requestPath(request)) {
      case '/metrics': {
        const { contentType, body } = await options.metrics.scrape();
        response.writeHead(200, { 'Content-Type': contentType });
        response.end(body);
        return;
      }
      case '/metrics/slis': {
        const { contentType, body } = await options.metrics.scrapeSlis();
        response.writeHead(200, { 'Content-Type': contentType });
        response.end(body);
        return;
      }
      case '/healthz':
        // component-base's healthz handler observes each check it runs: here the one, ping.
        options.metrics.observeHealthcheck('ping', 'healthz', true);
        serveHealthz(request, response);
        return;
      case '/healthz/ping':
        options.metrics.observeHealthcheck('ping', 'healthz', true);
        response.writeHead(200, TEXT);
        response.end('ok');
        return;
      case '/proxyMode':
        response.writeHead(200, TEXT);
        response.end(options.proxyMode);
        return;
      case '/configz':
        response.writeHead(200, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
        response.end(JSON.stringify({ [CONFIGZ_GROUP]: options.getConfig() }));
        return;
      default:
        writeNotFound(response);
    }
  }, options);
}
