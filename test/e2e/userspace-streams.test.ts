// TCP stream behaviour of the userspace proxy, in this process on loopback: large checksummed
// transfers both ways at once, half-close both ways, resets both ways, 2,000 concurrent
// connections, a slow reader (backpressure keeps memory flat) and the idle timeout.
// KPX_USERSPACE_TRANSFER_MIB sets the transfer size (default 1024, the 1 GiB: about 4 s here).
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@kpx/agent/log.ts';
import type { ServicePort } from '@kpx/agent/model/types.ts';
import { openUserspaceDataplane } from '@kpx/agent/modes/userspace/dataplane.ts';
import { planUserspace } from '@kpx/agent/modes/userspace/plan.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../helpers/state-builders.ts';

const SERVICE_IP = '127.10.5.1';
const SERVICE_PORT = 80;
const TRANSFER_MIB = Number(process.env.KPX_USERSPACE_TRANSFER_MIB ?? '1024');
const MIB = 1024 * 1024;

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startServer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

/** Proxies SERVICE_IP:80 to the backend port; returns the dataplane. */
async function proxyTo(backendPort: number, options: { tcpIdleTimeoutMs?: number } = {}) {
  const dataplane = openUserspaceDataplane({ exec: realExec, clock: { now: () => Date.now() }, log: silentLogger() }, { manageAddresses: false, ...options });
  const port: ServicePort = makeServicePort('ns1', 'stream', '', (sp) => {
    sp.clusterIP = SERVICE_IP;
    sp.port = SERVICE_PORT;
    sp.endpoints.push(makeEndpoint('127.0.0.1', backendPort));
  });
  await dataplane.apply(planUserspace(makeState([port])));
  cleanups.push(() => dataplane.close());
  return dataplane;
}

const openClient = (): Socket => connect({ host: SERVICE_IP, port: SERVICE_PORT, allowHalfOpen: true });

/** Writes `mib` MiB of random data with backpressure, then ends; resolves with its sha256. */
async function sendRandom(socket: Socket, mib: number): Promise<string> {
  const hash = createHash('sha256');
  for (let i = 0; i < mib; i += 1) {
    const chunk = randomBytes(MIB);
    hash.update(chunk);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  return hash.digest('hex');
}

/** Reads until the peer ends; resolves with the sha256 and byte count. */
function receiveAll(socket: Socket): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    socket.once('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
    socket.once('error', reject);
  });
}

const once = <T>(emitter: Socket, event: string): Promise<T> => new Promise((resolve) => emitter.once(event, resolve));

describe('userspace TCP streams', () => {
  it(`carries ${TRANSFER_MIB} MiB each way at once, checksummed`, async () => {
    let backendSent: Promise<string> = Promise.resolve('');
    let backendReceived: Promise<{ sha256: string; bytes: number }> = Promise.resolve({ sha256: '', bytes: 0 });
    const backendPort = await startServer((socket) => {
      backendReceived = receiveAll(socket);
      backendSent = sendRandom(socket, TRANSFER_MIB);
    });
    await proxyTo(backendPort);
    const client = openClient();
    await once(client, 'connect');
    const clientReceived = receiveAll(client);
    const clientSent = await sendRandom(client, TRANSFER_MIB);
    const [down, up] = await Promise.all([clientReceived, backendReceived]);
    expect(up).toEqual({ sha256: clientSent, bytes: TRANSFER_MIB * MIB });
    expect(down).toEqual({ sha256: await backendSent, bytes: TRANSFER_MIB * MIB });
  }, 300_000);

  it('half-close from the client: the backend sees end, and can still answer', async () => {
    const backendPort = await startServer((socket) => {
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => socket.end(`got ${received}`));
    });
    await proxyTo(backendPort);
    const client = openClient();
    client.end('hello');
    const answer = await receiveAll(client).then(() => 'ended');
    expect(answer).toBe('ended');
    const again = openClient();
    let text = '';
    again.on('data', (chunk) => (text += chunk.toString()));
    again.end('hello');
    await once(again, 'end');
    expect(text).toBe('got hello');
  });

  it('half-close from the backend: the client sees end, and can still send', async () => {
    let backendGot: Promise<string> = Promise.resolve('');
    const backendPort = await startServer((socket) => {
      socket.end('bye');
      backendGot = new Promise((resolve) => {
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
      });
    });
    await proxyTo(backendPort);
    const client = openClient();
    let text = '';
    client.on('data', (chunk) => (text += chunk.toString()));
    await once(client, 'end');
    expect(text).toBe('bye');
    client.end('after your end');
    expect(await backendGot).toBe('after your end');
  });

  it('a client reset resets the backend connection', async () => {
    let backendError: Promise<string | undefined> = Promise.resolve(undefined);
    const backendPort = await startServer((socket) => {
      backendError = new Promise((resolve) => {
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
        socket.on('end', () => resolve('end'));
      });
      socket.write('ready');
    });
    await proxyTo(backendPort);
    const client = openClient();
    await once(client, 'data');
    client.resetAndDestroy();
    expect(await backendError).toBe('ECONNRESET');
  });

  it('a backend reset resets the client', async () => {
    const backendPort = await startServer((socket) => socket.resetAndDestroy());
    await proxyTo(backendPort);
    const client = openClient();
    client.on('end', () => client.emit('error', Object.assign(new Error('end'), { code: 'end' })));
    const error = await once<NodeJS.ErrnoException>(client, 'error');
    expect(error.code).toBe('ECONNRESET');
  });

  it('holds 2,000 concurrent connections, each answered by its own upstream', async () => {
    const backendPort = await startServer((socket) => {
      socket.on('data', (chunk) => socket.write(chunk));
      socket.on('end', () => socket.end());
    });
    const dataplane = await proxyTo(backendPort);
    const clients = await Promise.all(
      Array.from({ length: 2000 }, async (_, index) => {
        const client = openClient();
        client.on('error', () => undefined);
        client.write(`client ${index}`);
        const echo = await once<Buffer>(client, 'data');
        return { client, echo: echo.toString(), index };
      }),
    );
    for (const { echo, index } of clients) expect(echo).toBe(`client ${index}`);
    expect(dataplane.activeCounts().get(`TCP/${SERVICE_IP}:${SERVICE_PORT}`)).toBe(2000);
    for (const { client } of clients) client.end();
    await expect.poll(() => dataplane.activeCounts().get(`TCP/${SERVICE_IP}:${SERVICE_PORT}`), { timeout: 10_000 }).toBe(0);
  }, 60_000);

  it('a slow reader holds the proxy to bounded buffering (memory stays flat)', async () => {
    const total = 128 * MIB;
    const backendPort = await startServer((socket) => {
      void (async () => {
        const chunk = Buffer.alloc(MIB, 7);
        for (let sent = 0; sent < total && !socket.destroyed; sent += MIB) {
          if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
        }
        socket.end();
      })();
    });
    await proxyTo(backendPort);
    const memory = (): number => process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    const before = memory();
    const client = openClient();
    client.pause();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const whilePaused = memory() - before;
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    client.resume();
    await once(client, 'end');
    expect(received).toBe(total);
    expect(whilePaused).toBeLessThan(32 * MIB);
  }, 60_000);

  it('closes a connection idle for the configured timeout', async () => {
    let backendClosed = false;
    const backendPort = await startServer((socket) => socket.on('end', () => (backendClosed = true)));
    await proxyTo(backendPort, { tcpIdleTimeoutMs: 200 });
    const client = openClient();
    await once(client, 'connect');
    const started = performance.now();
    await once(client, 'end');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    await expect.poll(() => backendClosed).toBe(true);
  });
});
