// The processes of the userspace benchmark, each run as `node roles.ts ROLE …` so that the
// load generator, the backend and the relay never share an event loop.
//   backend PORT          TCP: discard-and-count (mode byte 'S'), echo ('E'), greeting ('G'); UDP echo
//   kpx LISTEN_IP PORT BACKEND_PORT   the userspace dataplane relaying LISTEN_IP:PORT → 127.0.0.1:BACKEND_PORT
//   client TEST HOST PORT [ARG]       one measurement; prints a JSON result line
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import { silentLogger } from '@kpx/agent/log.ts';
import { userspaceMode } from '@kpx/agent/modes/userspace/index.ts';
import { dataplaneSettings } from '../../test/helpers/dataplane-settings.ts';
import { planUserspace } from '@kpx/agent/modes/userspace/plan.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../test/helpers/state-builders.ts';

const [role, ...args] = process.argv.slice(2);
const MIB = 1024 * 1024;

function serveBackend(port: number): void {
  // The first byte of a connection picks its behaviour.
  createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      const mode = String.fromCharCode(first[0] ?? 0);
      if (mode === 'S') {
        let bytes = first.length - 1;
        socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
        socket.on('end', () => socket.end(`${bytes}\n`));
      } else if (mode === 'E') {
        if (first.length > 1) socket.write(first.subarray(1));
        socket.on('data', (chunk) => socket.write(chunk));
        socket.on('end', () => socket.end());
      } else {
        socket.end('g');
      }
    });
  }).listen(port, '127.0.0.1', () => {
    const udp = createSocket('udp4');
    udp.on('message', (message, peer) => udp.send(message, peer.port, peer.address));
    udp.bind(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  });
}

async function serveKpx(listenIP: string, port: number, backendPort: number): Promise<void> {
  const dataplane = userspaceMode.open(
    { exec: realExec, clock: { now: () => Date.now() }, log: silentLogger() },
    dataplaneSettings({ manageAddresses: false, udpIdleTimeoutMs: 30_000 }),
  );
  const ports = (['TCP', 'UDP'] as const).map((protocol) =>
    makeServicePort('bench', 'relay', protocol.toLowerCase(), (sp) => {
      sp.protocol = protocol;
      sp.clusterIP = listenIP;
      sp.port = port;
      sp.endpoints.push(makeEndpoint('127.0.0.1', backendPort));
    }),
  );
  await dataplane.apply(planUserspace(makeState(ports, makeNodeContext())));
  process.stdout.write('ready\n');
}

const opened = (host: string, port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });

/** Sends `mib` MiB and waits for the backend's byte count: the time covers delivery. */
async function stream(host: string, port: number, mib: number): Promise<number> {
  const socket = await opened(host, port);
  const chunk = Buffer.alloc(256 * 1024, 1);
  socket.write('S');
  for (let sent = 0; sent < mib * MIB; sent += chunk.length) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  const reply = await new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (data) => (text += data.toString()));
    socket.on('end', () => resolve(text));
  });
  if (Number(reply) !== mib * MIB) throw new Error(`backend counted ${reply} bytes`);
  return mib * MIB;
}

async function throughput(host: string, port: number, streams: number, mibEach: number): Promise<object> {
  const started = performance.now();
  await Promise.all(Array.from({ length: streams }, () => stream(host, port, mibEach)));
  const seconds = (performance.now() - started) / 1000;
  return { gbitPerSecond: (streams * mibEach * MIB * 8) / seconds / 1e9 };
}

async function connectionRate(host: string, port: number, seconds: number): Promise<object> {
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const socket = await opened(host, port);
      socket.write('G');
      socket.resume();
      await new Promise((resolve) => socket.once('end', resolve));
      socket.destroy();
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { connectionsPerSecond: completed / seconds };
}

async function requestResponse(host: string, port: number, count: number): Promise<object> {
  const socket = await opened(host, port);
  socket.write('E');
  const message = Buffer.alloc(64, 2);
  const samples: number[] = [];
  let pending: (() => void) | undefined;
  let buffered = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.length;
    if (buffered >= message.length) {
      buffered -= message.length;
      pending?.();
    }
  });
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      pending = resolve;
      socket.write(message);
    });
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  socket.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { p50us: at(0.5), p99us: at(0.99) };
}

async function udpRate(host: string, port: number, seconds: number): Promise<object> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.connect(port, host, resolve));
  const message = Buffer.alloc(64, 3);
  const window = 32;
  let replies = 0;
  const deadline = performance.now() + seconds * 1000;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // Keep `window` datagrams in flight; a lost one is replaced by a timer tick.
  socket.on('message', () => {
    replies += 1;
    if (performance.now() < deadline) socket.send(message);
    else done();
  });
  for (let i = 0; i < window; i += 1) socket.send(message);
  const refill = setInterval(() => {
    for (let i = 0; i < 4; i += 1) socket.send(message);
  }, 20);
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 500))]);
  clearInterval(refill);
  socket.close();
  return { packetsPerSecond: replies / seconds };
}

async function runClient(test: string, host: string, port: number, arg: number): Promise<void> {
  const result =
    test === 'single'
      ? await throughput(host, port, 1, arg)
      : test === 'multi'
        ? await throughput(host, port, 16, arg)
        : test === 'connrate'
          ? await connectionRate(host, port, arg)
          : test === 'rr'
            ? await requestResponse(host, port, arg)
            : test === 'udp'
              ? await udpRate(host, port, arg)
              : undefined;
  if (result === undefined) throw new Error(`unknown test ${test}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (role === 'backend') serveBackend(Number(args[0]));
else if (role === 'kpx') await serveKpx(args[0] ?? '127.0.0.1', Number(args[1]), Number(args[2]));
else if (role === 'client') await runClient(args[0] ?? '', args[1] ?? '', Number(args[2]), Number(args[3]));
else throw new Error(`unknown role ${String(role)}`);
