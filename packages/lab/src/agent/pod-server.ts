// A lab pod's server, run inside the pod's namespace by `kpx lab`:
//   node src/lab/agent/pod-server.ts --name pod-a
// TCP and UDP 8080: answers `NAME PEER_IP\n` on connect and to every chunk/datagram (request/
// response and "which endpoint answered"). Throughput and HTTP are measured with iperf3 and
// wrk against nginx (standard-tools.ts), which the lab starts beside this server.
// Prints `ready` once every socket listens; exits on SIGTERM.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

export const ECHO_PORT = 8080;

const { values } = parseArgs({ options: { name: { type: 'string', default: 'pod' } } });
const name = values.name;
const unmapped = (address: string | undefined): string => (address ?? '?').replace(/^::ffff:/, '');

const echo = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  const answer = `${name} ${unmapped(socket.remoteAddress)}\n`;
  socket.write(answer);
  socket.on('data', () => socket.write(answer));
});
const udp = createSocket('udp4');
udp.on('message', (_message, peer) => udp.send(`${name} ${peer.address}`, peer.port, peer.address));

await Promise.all([
  new Promise<void>((resolve) => echo.listen(ECHO_PORT, '0.0.0.0', resolve)),
  new Promise<void>((resolve) => udp.bind(ECHO_PORT, '0.0.0.0', resolve)),
]);
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
