// The userspace proxy against a direct connection, socat and HAProxy (TCP mode), on loopback,
// each relay in its own process, the load generator and the backend in two more:
//   node bench/userspace/userspace.bench.ts [--quick]
// Prints one table. Needs socat and haproxy (Debian packages) on PATH, and cc for the C splice
// reference relay (the ceiling of any relay on the machine); a missing one is skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROLES = fileURLToPath(new URL('./roles.ts', import.meta.url));
const SPLICE_RELAY_SOURCE = fileURLToPath(new URL('./splice-relay.c', import.meta.url));
const QUICK = process.argv.includes('--quick');
const BACKEND_PORT = 39100;
const RELAY_PORT = 39101;
const children: ChildProcess[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'kpx-bench-'));

interface Relay {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly udp: boolean;
  start?(): Promise<void>;
}

function startProcess(file: string, args: readonly string[], readyLine?: string): Promise<ChildProcess> {
  // Own process group: socat forks a child per client, and those must go with it.
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  children.push(child);
  return new Promise((resolve, reject) => {
    if (readyLine === undefined) {
      setTimeout(() => resolve(child), 300);
      return;
    }
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyLine)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function stopAll(): void {
  for (const child of children.splice(0)) stop(child);
}

const hasTool = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

const relays: Relay[] = [
  { name: 'direct', host: '127.0.0.1', port: BACKEND_PORT, udp: true },
  {
    name: 'kpx userspace',
    host: '127.20.0.1',
    port: RELAY_PORT,
    udp: true,
    start: async () => void (await startProcess(process.execPath, [ROLES, 'kpx', '127.20.0.1', String(RELAY_PORT), String(BACKEND_PORT)], 'ready\n')),
  },
  {
    name: 'socat',
    host: '127.20.0.2',
    port: RELAY_PORT,
    udp: true,
    start: async () => {
      await startProcess('socat', [`TCP-LISTEN:${RELAY_PORT},bind=127.20.0.2,reuseaddr,fork,backlog=4096`, `TCP:127.0.0.1:${BACKEND_PORT}`]);
      await startProcess('socat', [`UDP-LISTEN:${RELAY_PORT},bind=127.20.0.2,reuseaddr,fork`, `UDP:127.0.0.1:${BACKEND_PORT}`]);
    },
  },
  {
    // The ceiling of any relay here (zero-copy, no event loop): built from C with the system's cc.
    name: 'splice (C ref.)',
    host: '127.20.0.4',
    port: RELAY_PORT,
    udp: false,
    start: async () => {
      const binary = join(scratch, 'splice-relay');
      const built = spawnSync('cc', ['-O2', '-pthread', '-o', binary, SPLICE_RELAY_SOURCE], { encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`cc failed: ${built.stderr}`);
      await startProcess(binary, ['127.20.0.4', String(RELAY_PORT), String(BACKEND_PORT)], 'ready\n');
    },
  },
  {
    name: 'haproxy (tcp)',
    host: '127.20.0.3',
    port: RELAY_PORT,
    udp: false,
    start: async () => {
      const config = join(scratch, 'haproxy.cfg');
      writeFileSync(
        config,
        [
          'global',
          '  maxconn 8000',
          'defaults',
          '  mode tcp',
          '  timeout connect 5s',
          '  timeout client 60s',
          '  timeout server 60s',
          'frontend relay',
          `  bind 127.20.0.3:${RELAY_PORT}`,
          '  default_backend echo',
          'backend echo',
          `  server b1 127.0.0.1:${BACKEND_PORT}`,
          '',
        ].join('\n'),
      );
      await startProcess('haproxy', ['-db', '-f', config]);
    },
  },
];

function runClient(test: string, relay: Relay, arg: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ROLES, 'client', test, relay.host, String(relay.port), String(arg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(output) as Record<string, number>);
      else reject(new Error(`client ${test} via ${relay.name} exited ${code}`));
    });
  });
}

const SIZES = QUICK ? { single: 256, multi: 16, seconds: 2, rr: 5000 } : { single: 2048, multi: 128, seconds: 5, rr: 20000 };

async function measure(relay: Relay): Promise<Record<string, number | undefined>> {
  await relay.start?.();
  const single = await runClient('single', relay, SIZES.single);
  const multi = await runClient('multi', relay, SIZES.multi);
  const rate = await runClient('connrate', relay, SIZES.seconds);
  // Tail latency on a shared 2-core machine is dominated by scheduling noise: median of three runs.
  const rrRuns: Array<Record<string, number>> = [];
  for (let i = 0; i < 3; i += 1) rrRuns.push(await runClient('rr', relay, SIZES.rr));
  const median = (key: string): number | undefined => rrRuns.map((run) => run[key] ?? NaN).sort((a, b) => a - b)[1];
  const rr = { p50us: median('p50us'), p99us: median('p99us') };
  const udp = relay.udp ? await runClient('udp', relay, SIZES.seconds) : undefined;
  return {
    single: single.gbitPerSecond,
    multi: multi.gbitPerSecond,
    connections: rate.connectionsPerSecond,
    p50: rr.p50us,
    p99: rr.p99us,
    udp: udp?.packetsPerSecond,
  };
}

const format = (value: number | undefined, digits = 0): string => (value === undefined ? '-' : value.toFixed(digits));

try {
  await startProcess(process.execPath, [ROLES, 'backend', String(BACKEND_PORT)], 'ready\n');
  const rows: Array<[string, Record<string, number | undefined>]> = [];
  for (const relay of relays) {
    const tool = relay.name.split(' ')[0] ?? '';
    if ((tool === 'socat' || tool === 'haproxy') && !hasTool(tool)) {
      console.log(`skipping ${relay.name}: not installed`);
      continue;
    }
    if (tool === 'splice' && !hasTool('cc')) {
      console.log(`skipping ${relay.name}: not installed`);
      continue;
    }
    rows.push([relay.name, await measure(relay)]);
    // Stop this relay before the next one runs (the backend is children[0]).
    for (const child of children.splice(1)) stop(child);
  }
  const direct = rows[0]?.[1];
  console.log(`\nuserspace relay benchmark on loopback (${QUICK ? 'quick' : 'full'}; node ${process.version})`);
  console.log('relay           | 1 stream Gbit/s | 16 streams Gbit/s | new conn/s | rr p50 µs | rr p99 µs | +p99 µs | UDP pkt/s');
  for (const [name, row] of rows) {
    const addedP99 = direct?.p99 === undefined || row.p99 === undefined ? undefined : row.p99 - direct.p99;
    console.log(
      `${name.padEnd(15)} | ${format(row.single, 2).padStart(15)} | ${format(row.multi, 2).padStart(17)} | ${format(row.connections).padStart(10)} | ` +
        `${format(row.p50, 1).padStart(9)} | ${format(row.p99, 1).padStart(9)} | ${format(addedP99, 1).padStart(7)} | ${format(row.udp).padStart(9)}`,
    );
  }
  const kpx = rows.find(([name]) => name.startsWith('kpx'))?.[1];
  const ceiling = rows.find(([name]) => name.startsWith('splice'))?.[1];
  const percentOf = (value: number | undefined, reference: number | undefined): string =>
    value === undefined || reference === undefined ? '-' : `${((100 * value) / reference).toFixed(0)}%`;
  console.log(`single stream vs direct: kpx ${percentOf(kpx?.single, direct?.single)}, splice reference ${percentOf(ceiling?.single, direct?.single)}`);
} finally {
  stopAll();
  rmSync(scratch, { recursive: true, force: true });
}
