// A continuous client for the daemon's traffic tests, run inside a namespace:
//   node test/daemon/run-traffic-prober.ts --proto tcp --host 10.96.0.10 --port 80 [--interval-ms 5]
//   node test/daemon/run-traffic-prober.ts --proto udp --host 10.96.0.53 --port 53 --source-port 40000
// TCP: a fresh connection every interval. UDP: one socket on a fixed source port sending a
// datagram every interval, so every packet shares one conntrack entry. Prints one JSON line
// per answer: {"t": ms since the epoch, "pod": the answering pod's name} or {"t", "error"}.
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'tcp' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '80' },
    'interval-ms': { type: 'string', default: '5' },
    'source-port': { type: 'string' },
  },
});
const host = values.host;
const port = Number(values.port);
const intervalMs = Number(values['interval-ms']);

const report = (fields: { pod?: string; error?: string }): void => {
  process.stdout.write(`${JSON.stringify({ t: Date.now(), ...fields })}\n`);
};
const podOf = (reply: string): string => reply.split(' ')[0] ?? '';

function tcpOnce(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      report({ error: 'timeout' });
      resolve();
    }, 1_000);
    socket.once('data', (data) => {
      clearTimeout(timer);
      report({ pod: podOf(data.toString()) });
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      report({ error: error.code ?? error.message });
      resolve();
    });
  });
}

if (values.proto === 'udp') {
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  socket.on('message', (message) => report({ pod: podOf(message.toString()) }));
  socket.on('error', (error: NodeJS.ErrnoException) => report({ error: error.code ?? error.message }));
  socket.bind(Number(values['source-port'] ?? 0), () => {
    setInterval(() => socket.send('ping', port, host), intervalMs);
  });
} else {
  for (;;) {
    const started = Date.now();
    await tcpOnce();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
  }
}
process.on('SIGTERM', () => process.exit(0));
