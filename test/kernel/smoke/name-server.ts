// Inside the kernel VM: an HTTP server that answers every request with its name.
// Usage: node name-server.ts <name> <address> <port>
import http from 'node:http';

const [name, address, port] = process.argv.slice(2);
if (name === undefined || address === undefined || port === undefined) {
  console.error('usage: name-server.ts <name> <address> <port>');
  process.exit(2);
}
http
  .createServer((_request, response) => {
    response.setHeader('connection', 'close');
    response.end(name);
  })
  .listen(Number(port), address, () => console.log(`${name} listening on ${address}:${port}`));
