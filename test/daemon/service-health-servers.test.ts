import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceHealthServers, type HealthCheckService, type ServiceHealthServers } from '@kpx/agent/daemon/service-health-servers.ts';
import { silentLogger } from '@kpx/agent/log.ts';
import { freePort } from './free-port.ts';

const managers: ServiceHealthServers[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close()));
});

function manage(options: { healthy?: () => boolean; addresses?: string[] } = {}): ServiceHealthServers {
  const manager = createServiceHealthServers({
    listenAddresses: options.addresses ?? ['127.0.0.1'],
    isProxyHealthy: options.healthy ?? (() => true),
    log: silentLogger(),
  });
  managers.push(manager);
  return manager;
}

async function probe(port: number, host = '127.0.0.1') {
  const response = await fetch(`http://${host}:${port}/`);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** A fresh TCP connection attempt (fetch could reuse a pooled keep-alive socket). */
function isRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function service(name: string, healthCheckNodePort: number, localEndpoints: number): HealthCheckService {
  return { namespace: 'shop', name, healthCheckNodePort, localEndpoints };
}

const countTcpServers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;

/** Node drops a closed server from its active resources a little after the close callback. */
async function tcpServersSettleAt(expected: number): Promise<number> {
  const deadline = Date.now() + 2_000;
  while (countTcpServers() !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return countTcpServers();
}

describe('service health-check node ports', () => {
  it('answers per service: 200 with local endpoints, 503 without, with upstream headers and body', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const manager = manage();
    expect(await manager.sync([service('web', portA, 2), service('api', portB, 0)])).toEqual({ opened: 2, closed: 0, failed: [] });

    const a = await probe(portA);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('x-load-balancing-endpoint-weight')).toBe('2');
    expect(a.body).toBe('{\n\t"service": {\n\t\t"namespace": "shop",\n\t\t"name": "web"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}');

    const b = await probe(portB);
    expect(b.status).toBe(503);
    expect(b.headers.get('x-load-balancing-endpoint-weight')).toBe('0');
    expect(JSON.parse(b.body)).toEqual({ service: { namespace: 'shop', name: 'api' }, localEndpoints: 0, serviceProxyHealthy: true });
    expect([...manager.ports()]).toEqual([
      ['shop/web', portA],
      ['shop/api', portB],
    ]);
  });

  it('answers 503 while the proxy is unhealthy, even with local endpoints', async () => {
    const port = await freePort();
    let healthy = true;
    const manager = manage({ healthy: () => healthy });
    await manager.sync([service('web', port, 1)]);
    expect((await probe(port)).status).toBe(200);
    healthy = false;
    const answer = await probe(port);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ localEndpoints: 1, serviceProxyHealthy: false });
  });

  it('updates endpoint counts in place, closes services that go, and moves a changed port', async () => {
    const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()];
    const manager = manage();
    await manager.sync([service('web', portA, 0), service('api', portB, 1)]);
    expect((await probe(portA)).status).toBe(503);

    expect(await manager.sync([service('web', portA, 3), service('api', portB, 1)])).toEqual({ opened: 0, closed: 0, failed: [] });
    const web = await probe(portA);
    expect([web.status, web.headers.get('x-load-balancing-endpoint-weight')]).toEqual([200, '3']);

    expect(await manager.sync([service('web', portA, 3)])).toEqual({ opened: 0, closed: 1, failed: [] });
    expect(await isRefused(portB)).toBe(true);

    expect(await manager.sync([service('web', portC, 3)])).toEqual({ opened: 1, closed: 1, failed: [] });
    expect(await isRefused(portA)).toBe(true);
    expect((await probe(portC)).status).toBe(200);
  });

  it('reports a port it cannot take, keeps serving the others, and takes it on a later sync', async () => {
    const [busyPort, okPort] = [await freePort(), await freePort()];
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(busyPort, '127.0.0.1', resolve));
    const manager = manage();
    try {
      const report = await manager.sync([service('web', busyPort, 1), service('api', okPort, 1)]);
      expect(report.opened).toBe(1);
      expect(report.failed).toHaveLength(1);
      expect(report.failed[0]).toMatchObject({ namespace: 'shop', name: 'web', port: busyPort });
      expect((report.failed[0]?.error as Error).message).toBe(`cannot listen on 127.0.0.1:${busyPort}`);
      expect((await probe(okPort)).status).toBe(200);
      expect(manager.ports().has('shop/web')).toBe(false);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expect(await manager.sync([service('web', busyPort, 1), service('api', okPort, 1)])).toEqual({ opened: 1, closed: 0, failed: [] });
    expect((await probe(busyPort)).status).toBe(200);
  });

  it('listens on every given address', async () => {
    const port = await freePort();
    const manager = manage({ addresses: ['127.0.0.1', '127.0.0.2'] });
    await manager.sync([service('web', port, 1)]);
    expect((await probe(port, '127.0.0.1')).status).toBe(200);
    expect((await probe(port, '127.0.0.2')).status).toBe(200);
  });

  it('leaks no listening socket, even with keep-alive clients connected', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const before = await tcpServersSettleAt(0);
    const manager = manage();
    await manager.sync(ports.map((port, i) => service(`svc-${i}`, port, 1)));
    expect(countTcpServers()).toBe(before + 3);
    for (const port of ports) expect((await probe(port)).status).toBe(200); // leaves keep-alive connections open
    await manager.sync([service('svc-0', ports[0]!, 1)]);
    expect(await tcpServersSettleAt(before + 1)).toBe(before + 1);
    await manager.close();
    expect(await tcpServersSettleAt(before)).toBe(before);
    for (const port of ports) expect(await isRefused(port)).toBe(true);
  });

  it('applies overlapping syncs in call order', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const manager = manage();
    const first = manager.sync([service('web', portA, 1)]);
    const second = manager.sync([service('web', portB, 1)]);
    const third = manager.sync([]);
    expect(await Promise.all([first, second, third])).toEqual([
      { opened: 1, closed: 0, failed: [] },
      { opened: 1, closed: 1, failed: [] },
      { opened: 0, closed: 1, failed: [] },
    ]);
    expect(manager.ports().size).toBe(0);
  });
});
