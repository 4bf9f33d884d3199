// The standard tools the lab measures with: an iperf3 server and nginx (serving a small static
// file) in the bench pod, iperf3 and wrk clients in another. nginx runs as root from the lab's
// temp folder (removed with the lab, or with its leftovers), in the foreground (`daemon off`, no master), its pid and error log there too; every
// process is in the lab's ProcessGroup and namespaces, so teardown and Ctrl-C end them.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import { execInNetns } from '@kpx/agent/sys/netns.ts';
import type { ProcessGroup } from './lab-process.ts';
import { labTempDir } from './topology.ts';
import { parseIperf3Tcp, parseIperf3Udp, parseWrkDone, WRK_SCRIPT, type HttpFigures, type TcpThroughput, type UdpThroughput } from './tool-output.ts';

/** The file wrk fetches: small, so the figure is requests, not bytes. */
export const STATIC_FILE = 'index.html';
const STATIC_BODY = '<!doctype html><title>kpx lab</title><p>kpx lab bench pod</p>\n';

function nginxConf(prefix: string, port: number): string {
  return `daemon off;
master_process off;
user root;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'body')};
  keepalive_requests 10000000;
  server { listen ${port} reuseport backlog=4096; root ${join(prefix, 'www')}; }
}
`;
}

export interface ToolServers {
  /** The wrk script's path. */
  readonly wrkScript: string;
  stop(): Promise<void>;
}

async function waitForListener(exec: Exec, netns: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const listed = await execInNetns(exec, netns)({ file: 'ss', args: ['-Hltn', `sport = :${port}`] });
    if (listed.stdout.trim() !== '') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on TCP ${port} in ${netns} after ${timeoutMs} ms`);
}

/** iperf3 -s and nginx in `netns`, both listening before this resolves. */
export async function startToolServers(
  exec: Exec,
  group: ProcessGroup,
  labPrefix: string,
  netns: string,
  ports: { iperf: number; http: number },
): Promise<ToolServers> {
  const prefix = labTempDir(labPrefix);
  await mkdir(join(prefix, 'www'), { recursive: true });
  await mkdir(join(prefix, 'body'), { recursive: true });
  await writeFile(join(prefix, 'www', STATIC_FILE), STATIC_BODY);
  await writeFile(join(prefix, 'nginx.conf'), nginxConf(prefix, ports.http));
  const wrkScript = join(prefix, 'summary.lua');
  await writeFile(wrkScript, WRK_SCRIPT);
  const iperf = group.start(`iperf3 -s in ${netns}`, netns, 'iperf3', ['-s', '-p', String(ports.iperf), '--forceflush']);
  const nginx = group.start(`nginx in ${netns}`, netns, 'nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')]);
  const stop = async (): Promise<void> => {
    await Promise.all([iperf.stop('SIGKILL'), nginx.stop('SIGTERM')]);
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await iperf.waitForLine((line) => line.includes('Server listening'), 10_000);
    await waitForListener(exec, netns, ports.http, 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { wrkScript, stop };
}

export interface IperfOptions {
  readonly seconds: number;
  readonly streams?: number;
  readonly udp?: boolean;
}

function iperfArgs(host: string, port: number, options: IperfOptions): string[] {
  const args = ['-c', host, '-p', String(port), '-t', String(options.seconds), '-J', '--connect-timeout', '3000'];
  if ((options.streams ?? 1) > 1) args.push('-P', String(options.streams));
  if (options.udp === true) args.push('-u', '-b', '0');
  return args;
}

export async function runIperf3Tcp(exec: Exec, netns: string, host: string, port: number, options: IperfOptions): Promise<TcpThroughput> {
  const result = await execInNetns(exec, netns)({ file: 'iperf3', args: iperfArgs(host, port, options), timeoutMs: (options.seconds + 15) * 1000 });
  return parseIperf3Tcp(result.stdout);
}

export async function runIperf3Udp(exec: Exec, netns: string, host: string, port: number, options: IperfOptions): Promise<UdpThroughput> {
  const result = await execInNetns(
    exec,
    netns,
  )({ file: 'iperf3', args: iperfArgs(host, port, { ...options, udp: true }), timeoutMs: (options.seconds + 15) * 1000 });
  return parseIperf3Udp(result.stdout);
}

export interface WrkOptions {
  readonly seconds: number;
  readonly connections: number;
  /** `Connection: close`: a new TCP connection per request. */
  readonly closeEach: boolean;
}

export async function runWrk(exec: Exec, netns: string, url: string, script: string, options: WrkOptions): Promise<HttpFigures> {
  const args = ['-t', '1', '-c', String(options.connections), '-d', `${options.seconds}s`, '--timeout', '2s', '-s', script];
  if (options.closeEach) args.push('-H', 'Connection: close');
  const result = await execOk(execInNetns(exec, netns), { file: 'wrk', args: [...args, url], timeoutMs: (options.seconds + 15) * 1000 });
  return parseWrkDone(result.stdout);
}
