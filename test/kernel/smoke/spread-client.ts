// Inside the kernel VM: waits until every backend answers directly, then sends
// `count` requests (a new connection each) to the virtual server and prints one
// JSON object: { backends: {address: name}, answers: [name, ...] }.
// Usage: node spread-client.ts <vip:port> <count> <backend:port>...
import http from 'node:http';

const [vip, countText, ...backends] = process.argv.slice(2);
if (vip === undefined || countText === undefined || backends.length === 0) {
  console.error('usage: spread-client.ts <vip:port> <count> <backend:port>...');
  process.exit(2);
}

function get(target: string): Promise<string> {
  const [host, port] = target.split(':');
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port: Number(port), path: '/', agent: false, timeout: 5000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    });
    request.on('timeout', () => request.destroy(new Error(`timeout from ${target}`)));
    request.on('error', reject);
  });
}

async function waitFor(target: string, deadline: number): Promise<string> {
  for (;;) {
    try {
      return await get(target);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const deadline = Date.now() + 30_000;
const names: Record<string, string> = {};
for (const backend of backends) names[backend] = await waitFor(backend, deadline);
const answers: string[] = [];
for (let index = 0; index < Number(countText); index++) answers.push(await get(vip));
console.log(JSON.stringify({ backends: names, answers }));
