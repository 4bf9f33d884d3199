// The userspace dataplane in this process, on loopback: service addresses are 127.0.0.0/8
// addresses (already local), endpoints are named echo servers on 127.0.0.1. Real sockets,
// real traffic; nothing leaves the machine.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@kpx/agent/log.ts';
import type { Endpoint, Protocol, ServicePort } from '@kpx/agent/model/types.ts';
import { openUserspaceDataplane } from '@kpx/agent/modes/userspace/dataplane.ts';
import { planUserspace } from '@kpx/agent/modes/userspace/plan.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../helpers/state-builders.ts';

const BACKEND_HOST = '127.0.0.1';
const NAMES = ['a', 'b', 'c'] as const;

interface Backend {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  readonly sockets: Set<Socket>;
}

/** A TCP server answering `NAME\n` on connect and to each chunk; UDP on the same port answers `NAME`. */
async function startBackend(name: string): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(`${name}\n`);
    socket.on('data', () => socket.write(`${name}\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, BACKEND_HOST, resolve));
  const port = (server.address() as { port: number }).port;
  return { name, port, server, sockets };
}

async function startUdpBackend(name: string): Promise<{ port: number; close(): void }> {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => socket.send(`${name} ${message.toString()}`, peer.port, peer.address));
  await new Promise<void>((resolve) => socket.bind(0, BACKEND_HOST, resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

function endpoint(port: number): Endpoint {
  return makeEndpoint(BACKEND_HOST, port);
}

function servicePort(
  name: string,
  clusterIP: string,
  endpoints: readonly Endpoint[],
  options: { protocol?: Protocol; affinity?: number; port?: number } = {},
): ServicePort {
  return makeServicePort('ns1', name, '', (sp) => {
    sp.clusterIP = clusterIP;
    sp.port = options.port ?? 80;
    sp.protocol = options.protocol ?? 'TCP';
    if (options.affinity !== undefined) sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: options.affinity };
    sp.endpoints.push(...endpoints);
  });
}

const planOf = (ports: readonly ServicePort[]) =>
  planUserspace(
    makeState(
      ports,
      makeNodeContext((node) => (node.nodeIPs = ['127.0.0.1'])),
    ),
  );

function openDataplane(options: { udpIdleTimeoutMs?: number; tcpIdleTimeoutMs?: number } = {}) {
  return openUserspaceDataplane({ exec: realExec, clock: { now: () => Date.now() }, log: silentLogger() }, { manageAddresses: false, ...options });
}

/** Connects and resolves with the first line (the backend's name), or the error code. */
function askName(host: string, port: number, localAddress?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      if (buffered.includes('\n')) {
        socket.destroy();
        resolve(buffered.split('\n')[0] ?? '');
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error:${error.code}`));
  });
}

/** One request/answer from a fresh socket; with `held`, the socket stays open (kept there). */
function udpAsk(host: string, port: number, payload = 'ping', timeoutMs = 1000, held?: UdpSocket[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answer: string): void => {
      clearTimeout(timer);
      if (held === undefined) socket.close();
      else held.push(socket);
      resolve(answer);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('message', (message) => done(message.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => done(`error:${error.code}`));
    socket.connect(port, host, () => socket.send(payload));
  });
}

function tally(answers: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer] = (counts[answer] ?? 0) + 1;
  return counts;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

let backends: Backend[] = [];
let dataplane: ReturnType<typeof openDataplane> | undefined;

beforeAll(async () => {
  backends = await Promise.all(NAMES.map(startBackend));
});
afterEach(async () => {
  await dataplane?.close();
  dataplane = undefined;
});
afterAll(async () => {
  for (const backend of backends) {
    for (const socket of backend.sockets) socket.destroy();
    await new Promise((resolve) => backend.server.close(resolve));
  }
});

const backendEndpoints = (): Endpoint[] => backends.map((backend) => endpoint(backend.port));

describe('TCP', () => {
  it('spreads 300 connections evenly over every endpoint (round robin)', async () => {
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('web', '127.10.0.1', backendEndpoints())]));
    const answers: string[] = [];
    for (let i = 0; i < 300; i += 1) answers.push(await askName('127.10.0.1', 80));
    expect(tally(answers)).toEqual({ a: 100, b: 100, c: 100 });
  });

  it('ClientIP affinity keeps each client address on one endpoint', async () => {
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('sticky', '127.10.0.2', backendEndpoints(), { affinity: 60 })]));
    const perClient: Record<string, Record<string, number>> = {};
    for (const client of ['127.0.0.11', '127.0.0.12', '127.0.0.13']) {
      const answers: string[] = [];
      for (let i = 0; i < 20; i += 1) answers.push(await askName('127.10.0.2', 80, client));
      perClient[client] = tally(answers);
    }
    for (const counts of Object.values(perClient)) expect(Object.values(counts)).toEqual([20]);
    expect(new Set(Object.values(perClient).map((counts) => Object.keys(counts)[0])).size).toBe(3);
  });

  it('refuses connections to a service without endpoints at once (RST from the kernel)', async () => {
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('empty', '127.10.0.3', [])]));
    const started = performance.now();
    expect(await askName('127.10.0.3', 80)).toBe('error:ECONNREFUSED');
    // A lost SYN or datagram would wait 1 s or more; not tighter, so that a busy CI machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('fails over to the next endpoint when one refuses', async () => {
    const dead = await startBackend('dead');
    await new Promise((resolve) => dead.server.close(resolve));
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('web', '127.10.0.4', [endpoint(dead.port), endpoint(backends[0]!.port)])]));
    const answers: string[] = [];
    for (let i = 0; i < 10; i += 1) answers.push(await askName('127.10.0.4', 80));
    expect(tally(answers)).toEqual({ a: 10 });
  });

  it('resets the client when every endpoint refuses', async () => {
    const dead = await startBackend('dead');
    await new Promise((resolve) => dead.server.close(resolve));
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('web', '127.10.0.5', [endpoint(dead.port)])]));
    expect(await askName('127.10.0.5', 80)).toBe('error:ECONNRESET');
  });

  it('endpoint removal: no new connection reaches it, established ones keep working, new endpoints serve at once', async () => {
    dataplane = openDataplane();
    const [a, b, c] = backendEndpoints();
    await dataplane.apply(planOf([servicePort('web', '127.10.0.6', [a!, b!])]));
    const established = connect({ host: '127.10.0.6', port: 80 });
    const lines: string[] = [];
    let buffered = '';
    established.on('data', (chunk) => {
      buffered += chunk.toString();
      while (buffered.includes('\n')) {
        lines.push(buffered.slice(0, buffered.indexOf('\n')));
        buffered = buffered.slice(buffered.indexOf('\n') + 1);
      }
    });
    await expect.poll(() => lines.length).toBe(1);
    const first = lines[0];
    const remaining = first === 'a' ? b! : a!;
    await dataplane.apply(planOf([servicePort('web', '127.10.0.6', [remaining, c!])]));
    const answers: string[] = [];
    for (let i = 0; i < 20; i += 1) answers.push(await askName('127.10.0.6', 80));
    expect(Object.keys(tally(answers)).sort()).toEqual([first === 'a' ? 'b' : 'a', 'c'].sort());
    established.write('still there?');
    await expect.poll(() => lines.length).toBe(2);
    expect(lines[1]).toBe(first);
    established.destroy();
  });

  it('a removed service closes its listener: new connections are refused, established ones drain', async () => {
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('web', '127.10.0.7', backendEndpoints())]));
    const established = connect({ host: '127.10.0.7', port: 80 });
    const received: string[] = [];
    established.on('data', (chunk) => received.push(chunk.toString()));
    await expect.poll(() => received.length).toBe(1);
    await dataplane.apply(planOf([]));
    expect(await askName('127.10.0.7', 80)).toBe('error:ECONNREFUSED');
    established.write('x');
    await expect.poll(() => received.length).toBe(2);
    established.destroy();
  });
});

describe('loadBalancerSourceRanges', () => {
  it('a load-balancer listener serves sources in range and resets the others', async () => {
    dataplane = openDataplane();
    const port = makeServicePort('ns1', 'lb', '', (sp) => {
      sp.clusterIP = '127.10.4.1';
      sp.loadBalancerVIPs = ['127.10.4.2'];
      sp.loadBalancerSourceRanges = ['127.0.0.21/32'];
      sp.endpoints.push(...backendEndpoints());
    });
    await dataplane.apply(planOf([port]));
    expect(await askName('127.10.4.2', 80, '127.0.0.21')).toMatch(/^[abc]$/);
    expect(await askName('127.10.4.2', 80, '127.0.0.22')).toBe('error:ECONNRESET');
    // The cluster IP of the same service has no source ranges.
    expect(await askName('127.10.4.1', 80, '127.0.0.22')).toMatch(/^[abc]$/);
  });
});

describe('UDP', () => {
  it('spreads sessions over every endpoint and answers from the service address', async () => {
    const udp = await Promise.all(NAMES.map(startUdpBackend));
    try {
      dataplane = openDataplane();
      await dataplane.apply(
        planOf([
          servicePort(
            'dns',
            '127.10.1.1',
            udp.map((b) => endpoint(b.port)),
            { protocol: 'UDP', port: 53 },
          ),
        ]),
      );
      const answers: string[] = [];
      // Client sockets stay open until the end: a closed one's port could be handed out again
      // and land in its still-live session, which is not a new session to spread.
      const clients: UdpSocket[] = [];
      // A connected socket only accepts datagrams from 127.10.1.1:53: the reply's source is checked.
      for (let i = 0; i < 90; i += 1) answers.push((await udpAsk('127.10.1.1', 53, 'ping', 1000, clients)).split(' ')[0] ?? '');
      for (const client of clients) client.close();
      expect(tally(answers)).toEqual({ a: 30, b: 30, c: 30 });
    } finally {
      for (const backend of udp) backend.close();
    }
  });

  it('a service without endpoints answers ICMP port unreachable (ECONNREFUSED), not a timeout', async () => {
    dataplane = openDataplane();
    await dataplane.apply(planOf([servicePort('empty', '127.10.1.2', [], { protocol: 'UDP' })]));
    const started = performance.now();
    expect(await udpAsk('127.10.1.2', 80)).toBe('error:ECONNREFUSED');
    // A lost SYN or datagram would wait 1 s or more; not tighter, so that a busy CI machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('keeps a client on its session, ends it after the idle timeout, and ends sessions of removed endpoints', async () => {
    const udp = await Promise.all(NAMES.map(startUdpBackend));
    try {
      dataplane = openDataplane({ udpIdleTimeoutMs: 200 });
      const endpoints = udp.map((b) => endpoint(b.port));
      await dataplane.apply(planOf([servicePort('dns', '127.10.1.3', endpoints, { protocol: 'UDP' })]));
      const client = createSocket('udp4');
      const replies: string[] = [];
      client.on('message', (message) => replies.push(message.toString().split(' ')[0] ?? ''));
      await new Promise<void>((resolve) => client.connect(80, '127.10.1.3', resolve));
      for (let i = 0; i < 5; i += 1) {
        client.send('x');
        await expect.poll(() => replies.length).toBe(i + 1);
      }
      expect(new Set(replies).size).toBe(1);
      expect(dataplane.activeCounts().get('UDP/127.10.1.3:80')).toBe(1);
      await expect.poll(() => dataplane?.activeCounts().get('UDP/127.10.1.3:80'), { timeout: 1000 }).toBe(0);
      // The next datagram opens a new session, on the next endpoint in round robin.
      client.send('x');
      await expect.poll(() => replies.length).toBe(6);
      expect(replies[5]).not.toBe(replies[0]);
      const current = NAMES.indexOf(replies[5] as (typeof NAMES)[number]);
      await dataplane.apply(
        planOf([
          servicePort(
            'dns',
            '127.10.1.3',
            endpoints.filter((_, i) => i !== current),
            { protocol: 'UDP' },
          ),
        ]),
      );
      expect(dataplane.activeCounts().get('UDP/127.10.1.3:80')).toBe(0);
      client.close();
    } finally {
      for (const backend of udp) backend.close();
    }
  });

  it('relays a reply that reached kpx in time even when the process was stalled past the idle timeout', async () => {
    const idleTimeoutMs = 100;
    // A backend in this process: it answers, then blocks the event loop (kpx's too) for three
    // idle timeouts. The answer waits in kpx's upstream socket while the session's timer expires.
    const stalling = createSocket('udp4');
    stalling.on('message', (message, peer) => {
      stalling.send(`slow ${message.toString()}`, peer.port, peer.address);
      const until = performance.now() + 3 * idleTimeoutMs;
      while (performance.now() < until);
    });
    await new Promise<void>((resolve) => stalling.bind(0, BACKEND_HOST, resolve));
    try {
      dataplane = openDataplane({ udpIdleTimeoutMs: idleTimeoutMs });
      await dataplane.apply(planOf([servicePort('stall', '127.10.1.4', [endpoint(stalling.address().port)], { protocol: 'UDP' })]));
      expect(await udpAsk('127.10.1.4', 80, 'ping', 2000)).toBe('slow ping');
      // The session did end, once idle for real.
      await expect.poll(() => dataplane?.activeCounts().get('UDP/127.10.1.4:80'), { timeout: 1000 }).toBe(0);
    } finally {
      stalling.close();
    }
  });
});

describe('SCTP', () => {
  it('is skipped (once, logged) where the kernel lacks it, while TCP keeps working', async () => {
    dataplane = openUserspaceDataplane(
      { exec: realExec, clock: { now: () => Date.now() }, log: silentLogger() },
      { manageAddresses: false, sctp: async () => undefined },
    );
    const report = await dataplane.apply(
      planOf([servicePort('s', '127.10.2.1', backendEndpoints(), { protocol: 'SCTP' }), servicePort('t', '127.10.2.1', backendEndpoints())]),
    );
    expect(report.figures).toMatchObject({ opened: 1, unsupported: 1 });
    expect(await askName('127.10.2.1', 80)).toMatch(/^[abc]$/);
  });
});

describe('leaks', () => {
  it('10,000 service add/remove cycles leave file descriptors and heap where they were', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    dataplane = openDataplane();
    const ports = [servicePort('web', '127.10.3.1', backendEndpoints()), servicePort('dns', '127.10.3.1', backendEndpoints(), { protocol: 'UDP' })];
    const cycle = async (): Promise<void> => {
      await dataplane!.apply(planOf(ports));
      await dataplane!.apply(planOf([]));
    };
    for (let i = 0; i < 100; i += 1) await cycle();
    gc();
    const fdsBefore = openFds();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i += 1) {
      await cycle();
      if (i % 1000 === 0) expect(await askName('127.10.3.1', 80)).toBe('error:ECONNREFUSED');
    }
    gc();
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
  }, 120_000);
});
