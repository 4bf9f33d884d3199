// One sample of a running daemon for the soak benchmark: its RSS and open file descriptors
// from /proc, its V8 heap and sync-duration histogram from its /metrics, and the sync p50
// since the previous sample, read off the histogram's bucket counts.
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

export interface DaemonSample {
  /** Seconds since the sampler started. */
  readonly t: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** V8 heap reserved, and memory held outside it (Buffers, ArrayBuffers). */
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly fds: number;
  /** Syncs since the previous sample. */
  readonly syncs: number;
  /** Median sync duration since the previous sample (ms, interpolated within its bucket); NaN without syncs. */
  readonly syncP50Ms: number;
  /** The machine's 1-minute load average: sync times on a shared machine follow it. */
  readonly load: number;
}

type Buckets = ReadonlyMap<number, number>;

const SYNC_BUCKET = /^kubeproxy_sync_proxy_rules_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/;
const HEAP_USED = /^nodejs_heap_size_used_bytes (\S+)$/m;
const HEAP_TOTAL = /^nodejs_heap_size_total_bytes (\S+)$/m;
const EXTERNAL = /^nodejs_external_memory_bytes (\S+)$/m;

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

function parseBuckets(metrics: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const line of metrics.split('\n')) {
    const match = SYNC_BUCKET.exec(line);
    if (match !== null) buckets.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2]));
  }
  return buckets;
}

/** The median of the observations between two cumulative histograms, in ms. */
export function medianBetween(before: Buckets, after: Buckets): { count: number; p50Ms: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const count = counts[counts.length - 1] ?? 0;
  if (count === 0) return { count, p50Ms: Number.NaN };
  const half = count / 2;
  let lower = 0;
  for (let index = 0; index < bounds.length; index++) {
    const below = index === 0 ? 0 : counts[index - 1]!;
    if (counts[index]! >= half) {
      const upper = bounds[index]!;
      if (!Number.isFinite(upper)) return { count, p50Ms: lower * 1000 };
      const inBucket = counts[index]! - below;
      return { count, p50Ms: (lower + ((half - below) / inBucket) * (upper - lower)) * 1000 };
    }
    lower = bounds[index]!;
  }
  return { count, p50Ms: Number.NaN };
}

export function createDaemonSampler(pid: number, metricsUrl: string): () => Promise<DaemonSample> {
  const started = performance.now();
  let previous: Buckets = new Map();
  return async () => {
    const metrics = await (await fetch(metricsUrl)).text();
    const buckets = parseBuckets(metrics);
    const { count, p50Ms } = medianBetween(previous, buckets);
    previous = buckets;
    const heapUsed = Number(HEAP_USED.exec(metrics)?.[1]);
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
    return {
      t: Math.round((performance.now() - started) / 1000),
      rssMb: mb(await rssBytes(pid)),
      heapUsedMb: mb(heapUsed),
      heapTotalMb: mb(Number(HEAP_TOTAL.exec(metrics)?.[1])),
      externalMb: mb(Number(EXTERNAL.exec(metrics)?.[1])),
      fds,
      syncs: count,
      syncP50Ms: Math.round(p50Ms * 10) / 10,
      load: Math.round(loadavg()[0]! * 10) / 10,
    };
  };
}
