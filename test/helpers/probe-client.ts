// A client for e2e tests, run inside a namespace:
//   node test/helpers/probe-client.ts --proto tcp --host 10.96.0.10 --port 80 --count 300
//     [--timeout-ms 1000] [--source-port 40000] [--concurrency 8]
// Makes --count attempts (each a fresh connection or UDP socket) and prints one JSON line:
// [{ reply?: 'NAME PEER_IP', error?: 'ECONNREFUSED' | 'timeout' | …, ms }]. Connected UDP
// sockets surface ICMP port-unreachable as ECONNREFUSED, as TCP does for a RST.
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { parseArgs } from 'node:util';

export interface Attempt {
  readonly reply?: string;
  readonly error?: string;
  readonly ms: number;
}

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'tcp' },
    host: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '1' },
    'timeout-ms': { type: 'string', default: '1000' },
    'source-port': { type: 'string' },
    concurrency: { type: 'string', default: '8' },
  },
});
const host = values.host ?? '127.0.0.1';
const port = Number(values.port);
const timeoutMs = Number(values['timeout-ms']);
const sourcePort = values['source-port'] === undefined ? undefined : Number(values['source-port']);

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function tcpAttempt(): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port, ...(sourcePort === undefined ? {} : { localPort: sourcePort }) });
    const done = (outcome: { reply?: string; error?: string }): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => done({ error: 'timeout' }), timeoutMs);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) done({ reply: buffered.slice(0, end) });
    });
    socket.on('error', (error) => done({ error: errorCode(error) }));
  });
}

function udpAttempt(): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', reuseAddr: true });
    const done = (outcome: { reply?: string; error?: string }): void => {
      clearTimeout(timer);
      socket.close();
      resolve({ ...outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => done({ error: 'timeout' }), timeoutMs);
    socket.on('message', (message) => done({ reply: message.toString() }));
    socket.on('error', (error) => done({ error: errorCode(error) }));
    socket.bind(sourcePort ?? 0, () => socket.connect(port, host, () => socket.send('probe')));
  });
}

const attempt = values.proto === 'udp' ? udpAttempt : tcpAttempt;
const count = Number(values.count);
// A fixed source port cannot be shared by simultaneous attempts.
const concurrency = sourcePort === undefined ? Math.max(1, Number(values.concurrency)) : 1;
const results: Attempt[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    next += 1;
    results.push(await attempt());
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
process.stdout.write(`${JSON.stringify(results)}\n`);
