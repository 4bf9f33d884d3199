// What a figure cost: the machine's CPU (user, system, softirq; /proc/stat deltas, % of all
// CPUs — the lab's nodes share this kernel) and the kpx daemons' (utime+stime deltas from
// /proc/PID/stat, % of one CPU), with their resident memory sampled halfway through. A daemon
// counts with its descendants: `kpx run --netns` runs the userspace proxy in a child agent
// inside the namespace.
import { readdir, readFile } from 'node:fs/promises';

/** USER_HZ: the unit of /proc tick counts on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  readonly user: number;
  readonly system: number;
  readonly softirq: number;
  readonly total: number;
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal. */
export function parseProcStat(text: string): CpuSnapshot {
  const fields = (text.split('\n').find((line) => line.startsWith('cpu ')) ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , , softirq = 0] = fields;
  return { user: user + nice, system, softirq, total: fields.reduce((sum, value) => sum + value, 0) };
}

/** utime + stime of /proc/PID/stat (fields 14 and 15; the command name may hold spaces). */
export function parseProcessTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function parseRssMb(status: string): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}

export interface FigureCost {
  readonly nodeUserPct: number;
  readonly nodeSystemPct: number;
  readonly nodeSoftirqPct: number;
  /** The kpx daemons together, % of one CPU; NaN without daemons (the direct leg). */
  readonly kpxCpuPct: number;
  /** The daemons' RSS together halfway through, MiB. */
  readonly kpxRssMb: number;
}

/** The parent pid in /proc/PID/stat (field 4). */
export function parseParentPid(text: string): number {
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `roots` and every process descended from them. */
export async function withDescendants(roots: readonly number[]): Promise<number[]> {
  if (roots.length === 0) return [];
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (stat !== '') parents.set(Number(name), parseParentPid(stat));
  }
  const found = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents) if (!found.has(pid) && found.has(parent)) grew = found.add(pid) !== undefined;
  }
  return [...found];
}

const readProcessTicks = async (pid: number): Promise<number> => parseProcessTicks(await readFile(`/proc/${pid}/stat`, 'utf8'));

export async function readRssMb(roots: readonly number[]): Promise<number> {
  if (roots.length === 0) return Number.NaN;
  const pids = await withDescendants(roots);
  const values = await Promise.all(pids.map(async (pid) => parseRssMb(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))));
  return values.reduce((sum, value) => sum + value, 0);
}

async function sumTicks(pids: readonly number[]): Promise<number> {
  const values = await Promise.all(pids.map((pid) => readProcessTicks(pid).catch(() => Number.NaN)));
  return values.reduce((sum, value) => sum + value, 0);
}

/** Runs `work` and returns its result with what the machine and `pids` spent meanwhile. */
export async function withCost<T>(roots: readonly number[], expectedMs: number, work: () => Promise<T>): Promise<{ result: T; cost: FigureCost }> {
  const pids = await withDescendants(roots);
  const before = parseProcStat(await readFile('/proc/stat', 'utf8'));
  const ticksBefore = await sumTicks(pids);
  const started = performance.now();
  let rss = Number.NaN;
  const sampler = setTimeout(() => void readRssMb(pids).then((value) => (rss = value)), expectedMs / 2);
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    const after = parseProcStat(await readFile('/proc/stat', 'utf8'));
    const ticksAfter = await sumTicks(pids);
    const total = after.total - before.total;
    const percent = (delta: number): number => (total > 0 ? (100 * delta) / total : Number.NaN);
    return {
      result,
      cost: {
        nodeUserPct: percent(after.user - before.user),
        nodeSystemPct: percent(after.system - before.system),
        nodeSoftirqPct: percent(after.softirq - before.softirq),
        kpxCpuPct: pids.length === 0 ? Number.NaN : (100 * (ticksAfter - ticksBefore)) / TICKS_PER_SECOND / seconds,
        kpxRssMb: rss,
      },
    };
  } finally {
    clearTimeout(sampler);
  }
}
