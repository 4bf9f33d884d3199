// kpx's own prober, for what no standard tool measures (iperf3 and wrk measure the rest):
// which endpoint answers, and when traffic follows an API change. Run inside a namespace by
// `kpx lab` against pod-server.ts:
//   node src/lab/agent/traffic-client.ts --test spread|watch --host IP --port N [--count 40] [--interval-ms 5]
// Prints one JSON object (watch: one JSON line per connection until SIGTERM). Every test is
// bounded by --count, and every socket by a timeout.
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    test: { type: 'string', default: 'spread' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    count: { type: 'string', default: '40' },
    'interval-ms': { type: 'string', default: '5' },
  },
});
const host = values.host;
const port = Number(values.port);
const TIMEOUT_MS = 1_000;

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the next `\n`-terminated line on `socket`. */
function readLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => finish(new Error('timeout')), TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) finish(undefined, buffered.slice(0, end));
    };
    const onError = (error: Error): void => finish(error);
    const onClose = (): void => finish(new Error('closed'));
    function finish(error: Error | undefined, line = ''): void {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).off('close', onClose);
      if (error === undefined) resolve(line);
      else reject(error);
    }
    socket.on('data', onData).on('error', onError).on('close', onClose);
  });
}

/** A fresh connection, its greeting read: the name of the pod that answered. */
async function oneConnection(): Promise<string> {
  const socket = await open();
  try {
    return (await readLine(socket)).split(' ')[0] ?? '?';
  } finally {
    socket.destroy();
  }
}

async function testSpread(): Promise<object> {
  const byPod: Record<string, number> = {};
  let errors = 0;
  for (let index = 0; index < Number(values.count); index++) {
    await oneConnection().then(
      (pod) => (byPod[pod] = (byPod[pod] ?? 0) + 1),
      () => (errors += 1),
    );
  }
  return { byPod, errors };
}

/** One connection every --interval-ms until SIGTERM; each line: {t (start, epoch ms), pod?}. */
function watch(): void {
  const intervalMs = Number(values['interval-ms']);
  const timer = setInterval(() => {
    const t = Date.now();
    oneConnection().then(
      (pod) => process.stdout.write(`${JSON.stringify({ t, pod })}\n`),
      () => process.stdout.write(`${JSON.stringify({ t })}\n`),
    );
  }, intervalMs);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    process.exit(0);
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

const TESTS: Record<string, () => Promise<object>> = {
  spread: testSpread,
};

if (values.test === 'watch') {
  watch();
} else {
  const test = TESTS[values.test];
  if (test === undefined) {
    process.stderr.write(`unknown --test ${values.test}\n`);
    process.exit(2);
  }
  try {
    process.stdout.write(`${JSON.stringify(await test())}\n`);
    process.exit(0);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    process.exit(1);
  }
}
