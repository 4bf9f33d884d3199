// One long-lived TCP connection for e2e tests, run inside a namespace:
//   node test/helpers/held-connection.ts --host 10.96.0.10 --port 80 [--interval-ms 20]
// Connects once, then writes a line every --interval-ms on the same connection. Prints one
// JSON line per reply received, `{"t":EPOCH_MS,"reply":"NAME PEER_IP"}`, and, if the
// connection fails or closes, `{"t":…,"error":"…"}` before exiting 1. Exits 0 on SIGTERM.
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { host: { type: 'string' }, port: { type: 'string' }, 'interval-ms': { type: 'string', default: '20' } },
});
const intervalMs = Number(values['interval-ms']);

const emit = (fields: Record<string, string>): void => {
  process.stdout.write(`${JSON.stringify({ t: Date.now(), ...fields })}\n`);
};
const fail = (error: string): never => {
  emit({ error });
  process.exit(1);
};

const socket = connect({ host: values.host ?? '127.0.0.1', port: Number(values.port) });
let buffered = '';
socket.on('data', (chunk) => {
  buffered += chunk.toString();
  for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
    emit({ reply: buffered.slice(0, end) });
    buffered = buffered.slice(end + 1);
  }
});
socket.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? String(error)));
socket.on('close', () => fail('closed'));
socket.on('connect', () => {
  setInterval(() => socket.write('ping\n'), intervalMs);
});
process.on('SIGTERM', () => process.exit(0));
