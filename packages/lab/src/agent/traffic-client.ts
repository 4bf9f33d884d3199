// The lab's traffic generator, run inside a namespace by `kpx lab` against pod-server.ts:
//   node src/lab/agent/traffic-client.ts --test stream|rr|crr|udp|spread|watch --host IP --port N
//     [--duration-ms 2000] [--streams 4] [--concurrency 4] [--count 40] [--interval-ms 5]
// Prints one JSON object (watch: one JSON line per connection until SIGTERM). Every test is
// bounded by --duration-ms or --count, and every socket by a timeout.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    test: { type: 'string', default: 'rr' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'duration-ms': { type: 'string', default: '2000' },
    streams: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '4' },
    count: { type: 'string', default: '40' },
    'interval-ms': { type: 'string', default: '5' },
  },
});
const host = values.host;
const port = Number(values.port);
const durationMs = Number(values['duration-ms']);
const TIMEOUT_MS = 1_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

function latencySummary(samplesUs: number[]): { count: number; p50Us: number; p99Us: number } {
  samplesUs.sort((a, b) => a - b);
  return { count: samplesUs.length, p50Us: percentile(samplesUs, 0.5), p99Us: percentile(samplesUs, 0.99) };
}

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

async function stream(socket: Socket, until: number): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const chunk = Buffer.alloc(128 * 1024, 0x61);
  while (performance.now() < until) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  const acknowledged = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.on('data', (data: Buffer) => (text += data.toString()));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
  const bytes = Number((await acknowledged).trim());
  return { bytes, ms: performance.now() - started };
}

async function testStream(): Promise<object> {
  const streams = Math.max(1, Number(values.streams));
  const sockets = await Promise.all(Array.from({ length: streams }, open));
  const until = performance.now() + durationMs;
  const results = await Promise.all(sockets.map((socket) => stream(socket, until)));
  const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
  const seconds = Math.max(...results.map((r) => r.ms)) / 1000;
  return { streams, bytes, seconds, gbitPerSecond: (bytes * 8) / seconds / 1e9 };
}

async function testRequestResponse(): Promise<object> {
  const socket = await open();
  await readLine(socket);
  const samples: number[] = [];
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    const sent = performance.now();
    socket.write('x');
    await readLine(socket);
    samples.push((performance.now() - sent) * 1000);
  }
  socket.destroy();
  return latencySummary(samples);
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

async function testConnectionRate(): Promise<object> {
  let count = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      await oneConnection().then(() => (count += 1), () => (errors += 1));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Number(values.concurrency)) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { count, errors, perSecond: count / seconds };
}

async function testUdp(): Promise<object> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.connect(port, host, resolve));
  const samples: number[] = [];
  let lost = 0;
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    const sent = performance.now();
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.send('x');
    });
    if (answered) samples.push((performance.now() - sent) * 1000);
    else lost += 1;
  }
  socket.removeAllListeners('message');
  socket.close();
  return { ...latencySummary(samples), lost };
}

async function testSpread(): Promise<object> {
  const byPod: Record<string, number> = {};
  let errors = 0;
  for (let index = 0; index < Number(values.count); index++) {
    await oneConnection().then((pod) => (byPod[pod] = (byPod[pod] ?? 0) + 1), () => (errors += 1));
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
  stream: testStream,
  rr: testRequestResponse,
  crr: testConnectionRate,
  udp: testUdp,
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
