// The one probe: a TCP connection (opened, then closed) or one UDP datagram (and its answer,
// if any), sent from the source's network namespace to the destination. It runs as a short
// node script inside the namespace, bound to the source address, and prints its result as JSON.
import { realExec, type Exec } from '../sys/exec.ts';
import { execInNetns } from '../sys/netns.ts';
import type { Flow, ProbeOutcome, ProbeResult } from './trace-types.ts';

export const PROBE_TIMEOUT_MS = 2_000;

const SCRIPT = `
const [proto, host, port, local, timeoutMs] = process.argv.slice(1);
const started = performance.now();
const done = (outcome, localPort, error) => {
  process.stdout.write(JSON.stringify({ outcome, localPort, elapsedMs: Math.round(performance.now() - started), error }));
  process.exit(0);
};
const outcomeOf = (error) => ({ ECONNREFUSED: 'refused', EHOSTUNREACH: 'unreachable', ENETUNREACH: 'unreachable' })[error.code] ?? 'error';
if (proto === 'tcp') {
  const socket = require('node:net').connect({ host, port: Number(port), localAddress: local });
  socket.setTimeout(Number(timeoutMs), () => done('timeout', socket.localPort));
  socket.once('connect', () => { const localPort = socket.localPort; socket.resume(); socket.end(); socket.once('close', () => done('connected', localPort)); });
  socket.once('error', (error) => done(outcomeOf(error), socket.localPort, error.message));
} else {
  const socket = require('node:dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const timer = setTimeout(() => done('no-reply', socket.address().port), Number(timeoutMs));
  socket.once('message', () => { clearTimeout(timer); done('reply', socket.address().port); });
  socket.once('error', (error) => { clearTimeout(timer); done(outcomeOf(error), undefined, error.message); });
  socket.bind({ address: local, port: 0 }, () => socket.connect(Number(port), host, () => socket.send('kpx-trace\\n')));
}
`;

const OUTCOMES: ReadonlySet<string> = new Set<ProbeOutcome>(['connected', 'refused', 'timeout', 'unreachable', 'reply', 'no-reply', 'error']);

export function parseProbeOutput(stdout: string): ProbeResult | undefined {
  try {
    const data = JSON.parse(stdout) as Record<string, unknown>;
    if (typeof data['outcome'] !== 'string' || !OUTCOMES.has(data['outcome'])) return undefined;
    return {
      outcome: data['outcome'] as ProbeOutcome,
      localPort: typeof data['localPort'] === 'number' ? data['localPort'] : undefined,
      elapsedMs: typeof data['elapsedMs'] === 'number' ? data['elapsedMs'] : 0,
      error: typeof data['error'] === 'string' ? data['error'] : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Sends the probe from `netns` ('' for here). */
export async function sendProbe(netns: string, flow: Flow, exec: Exec = realExec): Promise<ProbeResult> {
  const here = netns === '' ? exec : execInNetns(exec, netns);
  const args = ['-e', SCRIPT, flow.protocol, flow.destination, String(flow.port), flow.source, String(PROBE_TIMEOUT_MS)];
  const result = await here({ file: process.execPath, args, timeoutMs: PROBE_TIMEOUT_MS + 10_000 });
  return (
    parseProbeOutput(result.stdout.trim()) ?? {
      outcome: 'error',
      localPort: undefined,
      elapsedMs: 0,
      error: result.stderr.trim().split('\n')[0] ?? `exit ${result.exitCode}`,
    }
  );
}
