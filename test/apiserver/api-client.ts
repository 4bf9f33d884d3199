// Small fetch helpers for the embedded API server's tests: JSON requests and a watch
// stream reader that collects newline-delimited events.
import type { RawObject } from '@kpx/agent/model/inputs.ts';

export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly contentType: string;
}

export async function request(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<JsonResponse> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': contentType } }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    contentType: response.headers.get('content-type') ?? '',
  };
}

export function service(namespace: string, name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): RawObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...extra },
  };
}

export function endpointSlice(namespace: string, name: string, serviceName: string, addresses: readonly string[]): RawObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export interface WatchEvent {
  readonly type: string;
  readonly object: Record<string, unknown>;
}

/** An open watch: collects events (and raw lines that are not JSON) as they arrive. */
export class WatchReader {
  readonly events: WatchEvent[] = [];
  readonly garbage: string[] = [];
  status = 0;
  ended = false;
  /** Why the stream ended abnormally (abort, reset, refused), if it did. */
  error: unknown;
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: string) {
    this.done = this.run(url);
  }

  private async run(url: string): Promise<void> {
    try {
      const response = await fetch(url, { signal: this.controller.signal });
      this.status = response.status;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline !== -1) {
          this.accept(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
      }
      if (buffer !== '') this.accept(buffer);
    } catch (error) {
      this.error = error;
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private accept(line: string): void {
    try {
      this.events.push(JSON.parse(line) as WatchEvent);
    } catch {
      this.garbage.push(line);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
  async until(predicate: (reader: WatchReader) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`watch condition not met in ${timeoutMs} ms; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async untilEvents(count: number, timeoutMs?: number): Promise<WatchEvent[]> {
    await this.until((r) => r.events.length >= count, timeoutMs);
    return this.events.slice(0, count);
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

export function nameAndType(events: readonly WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${String((e.object.metadata as Record<string, unknown> | undefined)?.name ?? '')}`);
}
