// Inside the kernel VM: answers every TCP connection and every UDP datagram with its name.
// Usage: node ipvs-echo-server.ts <name> <address> <tcpPort> <udpPort>
import dgram from 'node:dgram';
import net from 'node:net';

const [name, address, tcpPort, udpPort] = process.argv.slice(2);
if (name === undefined || address === undefined || tcpPort === undefined || udpPort === undefined) {
  console.error('usage: ipvs-echo-server.ts <name> <address> <tcpPort> <udpPort>');
  process.exit(2);
}
net.createServer((socket) => socket.end(name)).listen(Number(tcpPort), address);
const udp = dgram.createSocket(net.isIP(address) === 6 ? 'udp6' : 'udp4');
udp.on('message', (_message, peer) => udp.send(name, peer.port, peer.address));
udp.bind(Number(udpPort), address, () => console.log(`${name} ready`));
