// What the standard tools print, as figures: iperf3's JSON (-J) and the JSON line the lab's wrk
// script writes in its `done` hook. Pure; a field the tool did not give is NaN (a gap).

export interface TcpThroughput {
  readonly gbitPerSecond: number;
  readonly retransmits: number;
}

export interface UdpThroughput {
  readonly gbitPerSecond: number;
  readonly jitterMs: number;
  readonly lossPercent: number;
}

export interface HttpFigures {
  readonly requestsPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
}

type Json = Readonly<Record<string, unknown>>;

const field = (object: unknown, name: string): unknown => (typeof object === 'object' && object !== null ? (object as Json)[name] : undefined);
const numberAt = (object: unknown, ...path: string[]): number => {
  const value = path.reduce<unknown>((at, name) => field(at, name), object);
  return typeof value === 'number' ? value : Number.NaN;
};

function parseJson(text: string, tool: string): Json {
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${tool} printed no JSON object`);
  const error = field(parsed, 'error');
  if (typeof error === 'string') throw new Error(`${tool}: ${error}`);
  return parsed as Json;
}

/** `iperf3 -c … -J`: the receiver's rate (what got through) and the sender's retransmits. */
export function parseIperf3Tcp(text: string): TcpThroughput {
  const end = field(parseJson(text, 'iperf3'), 'end');
  return { gbitPerSecond: numberAt(end, 'sum_received', 'bits_per_second') / 1e9, retransmits: numberAt(end, 'sum_sent', 'retransmits') };
}

/** `iperf3 -c … -u -b 0 -J`: the received rate, jitter and loss as the server measured them. */
export function parseIperf3Udp(text: string): UdpThroughput {
  const end = field(parseJson(text, 'iperf3'), 'end');
  const received = numberAt(end, 'sum_received', 'bits_per_second');
  return {
    gbitPerSecond: (Number.isFinite(received) ? received : numberAt(end, 'sum', 'bits_per_second')) / 1e9,
    jitterMs: numberAt(end, 'sum', 'jitter_ms'),
    lossPercent: numberAt(end, 'sum', 'lost_percent'),
  };
}

/** The wrk script's `done` hook writes one JSON line (WRK_SCRIPT); wrk's own text precedes it. */
export const WRK_SCRIPT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export function parseWrkDone(stdout: string): HttpFigures {
  const line = stdout.split('\n').findLast((candidate) => candidate.startsWith('{'));
  if (line === undefined) throw new Error(`wrk printed no summary: ${stdout.trim().slice(-200)}`);
  const done = parseJson(line, 'wrk');
  const requests = numberAt(done, 'requests');
  const seconds = numberAt(done, 'durationUs') / 1e6;
  return {
    requestsPerSecond: requests > 0 ? requests / seconds : Number.NaN,
    p50Us: requests > 0 ? numberAt(done, 'p50Us') : Number.NaN,
    p99Us: requests > 0 ? numberAt(done, 'p99Us') : Number.NaN,
    errors: numberAt(done, 'errors'),
  };
}

/** The first line of a tool's version output (`iperf 3.12 (cJSON 1.7.15)`, `nginx version: nginx/1.22.1`). */
export function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
