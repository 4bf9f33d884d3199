// A pod's server for e2e tests, run inside the pod's namespace:
//   node test/helpers/echo-server.ts --name pod-a --port 8080 [--port 8081 …] [--ipv6]
// Listens on TCP and UDP on every --port (with --ipv6, on IPv6 too). TCP: answers `NAME PEER_IP\n` on connect and to
// every chunk received; UDP: answers `NAME PEER_IP` to every datagram. Prints `ready` once
// every socket listens, and exits on SIGTERM.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { name: { type: 'string' }, port: { type: 'string', multiple: true }, ipv6: { type: 'boolean' } },
});
const name = values.name ?? 'unnamed';
const ports = (values.port ?? ['8080']).map(Number);

function unmapped(address: string | undefined): string {
  return (address ?? '?').replace(/^::ffff:/, '');
}

const listening: Promise<void>[] = [];
for (const port of ports) {
  const tcp = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const answer = `${name} ${unmapped(socket.remoteAddress)}\n`;
    socket.write(answer);
    socket.on('data', () => socket.write(answer));
  });
  // `::` takes IPv4 connections too (as ::ffff: addresses).
  listening.push(new Promise((resolve) => tcp.listen(port, values.ipv6 === true ? '::' : '0.0.0.0', resolve)));
  for (const type of values.ipv6 === true ? (['udp4', 'udp6'] as const) : (['udp4'] as const)) {
    const udp = createSocket({ type, ipv6Only: type === 'udp6' });
    udp.on('message', (_message, peer) => udp.send(`${name} ${peer.address}`, peer.port, peer.address));
    listening.push(new Promise((resolve) => udp.bind(port, type === 'udp6' ? '::' : '0.0.0.0', resolve)));
  }
}
await Promise.all(listening);
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
