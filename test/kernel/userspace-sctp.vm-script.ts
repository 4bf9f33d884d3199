// Inside the kernel VM (the host kernel has no SCTP): the userspace dataplane relays a real
// one-to-one SCTP service on loopback to two SCTP echo servers made through the same native
// layer. Prints one JSON object with what it saw; test/kernel/userspace-sctp.test.ts asserts.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { createLogger } from '@kpx/agent/log.ts';
import { userspaceMode } from '@kpx/agent/modes/userspace/index.ts';
import { dataplaneSettings } from '../helpers/dataplane-settings.ts';
import { planUserspace } from '@kpx/agent/modes/userspace/plan.ts';
import { openSctpTransport } from '@kpx/agent/modes/userspace/proxy/sctp.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../helpers/state-builders.ts';

const SERVICE_IP = '127.30.0.1';
const EMPTY_IP = '127.30.0.2';
const log = createLogger({ destination: process.stderr });
const transport = await openSctpTransport(log);
if (transport === undefined) {
  process.stdout.write(JSON.stringify({ transport: false }));
  process.exit(0);
}

/**
 * An SCTP server on 127.0.0.1:port: answers `NAME\n` to every chunk; a connection opening with
 * `sum N\n` gets the sha256 of the next N bytes instead (SCTP has no half-close to mark the end).
 */
async function startBackend(name: string, port: number): Promise<void> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      const header = /^sum (\d+)\n/.exec(first.toString('latin1'));
      if (header !== null) {
        const hash = createHash('sha256');
        let remaining = Number(header[1]);
        const take = (chunk: Buffer): void => {
          hash.update(chunk);
          remaining -= chunk.length;
          if (remaining === 0) socket.write(hash.digest('hex'));
        };
        if (first.length > header[0].length) take(first.subarray(header[0].length));
        socket.on('data', take);
        return;
      }
      socket.write(`${name}\n`);
      socket.on('data', () => socket.write(`${name}\n`));
    });
  });
  await transport!.listen(server, '127.0.0.1', port, 128);
}

async function connectTo(ip: string, port: number): Promise<Socket> {
  return transport!.connect({ ip, port, endpoint: `${ip}:${port}` }, 2000, new AbortController().signal);
}

async function askName(ip: string): Promise<string> {
  try {
    const socket = await connectTo(ip, 80);
    socket.on('error', () => undefined);
    socket.write('who');
    const answer = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    socket.destroy();
    return answer;
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code}`;
  }
}

async function checksumTransfer(mib: number): Promise<{ sent: string; echoed: string }> {
  const socket = await connectTo(SERVICE_IP, 80);
  const hash = createHash('sha256');
  const reply = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.length >= 64) resolve(text);
    });
  });
  socket.write(`sum ${mib * 1024 * 1024}\n`);
  // 64 KiB writes: one SCTP write must fit the send buffer.
  for (let i = 0; i < mib * 16; i += 1) {
    const chunk = randomBytes(64 * 1024);
    hash.update(chunk);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  const echoed = await reply;
  socket.destroy();
  return { sent: hash.digest('hex'), echoed };
}

const step = (name: string): void => void process.stderr.write(`step ${name}\n`);

await startBackend('a', 9101);
await startBackend('b', 9102);
const dataplane = userspaceMode.open({ exec: realExec, clock: { now: () => Date.now() }, log }, dataplaneSettings({ manageAddresses: false }));
const ports = [
  makeServicePort('ns1', 'assoc', '', (sp) => {
    sp.protocol = 'SCTP';
    sp.clusterIP = SERVICE_IP;
    sp.endpoints.push(makeEndpoint('127.0.0.1', 9101), makeEndpoint('127.0.0.1', 9102));
  }),
  makeServicePort('ns1', 'empty', '', (sp) => {
    sp.protocol = 'SCTP';
    sp.clusterIP = EMPTY_IP;
  }),
];
const figures = (await dataplane.apply(planUserspace(makeState(ports)))).figures;
step('applied');
const names: string[] = [];
for (let i = 0; i < 10; i += 1) names.push(await askName(SERVICE_IP));
step(`names ${names.join(',')}`);
const transfer = await checksumTransfer(16);
step('transfer');
const empty = await askName(EMPTY_IP);
await dataplane.close();
process.stdout.write(JSON.stringify({ transport: true, figures, names, transfer, empty }));
process.exit(0);
