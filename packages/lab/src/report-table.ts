// The comparison table `kpx lab` prints: the direct baseline first, then each mode.
import { DIRECT_LEG, type LabReport, type LegReport } from './report-types.ts';

const COLUMNS = ['leg', 'TCP 1 Gbit/s', 'TCP N Gbit/s', 'RR p50 µs', 'RR p99 µs', 'conn/s', 'UDP p50 µs', 'UDP p99 µs', 'API→traffic p50 ms', 'first sync ms', 'sync p50 ms'] as const;

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function row(leg: LegReport): string[] {
  if (leg.status !== 'ok') return [leg.name, `${leg.status}: ${leg.reason}`];
  const f = leg.figures;
  const mode = 'apiChangeP50Ms' in f ? f : undefined;
  return [
    leg.name,
    fixed(f.tcpGbit1, 2),
    fixed(f.tcpGbitN, 2),
    fixed(f.rrP50Us, 0),
    fixed(f.rrP99Us, 0),
    fixed(f.connPerSecond, 0),
    fixed(f.udpP50Us, 0),
    fixed(f.udpP99Us, 0),
    fixed(mode?.apiChangeP50Ms, 0),
    fixed(mode?.firstSyncMs, 1),
    fixed(mode?.syncP50Ms, 1),
  ];
}

function signed(value: number, digits: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}${unit}`;
}

/** Each measured mode against the direct baseline: what issue 8's targets are stated in. */
function formatVersusDirect(report: LabReport): string[] {
  const lines: string[] = [];
  for (const leg of report.legs) {
    if (leg.status !== 'ok' || !('checks' in leg)) continue;
    const baselineName = leg.baseline ?? DIRECT_LEG;
    const baseline = report.legs.find((other) => other.name === baselineName);
    if (baseline === undefined || baseline.status !== 'ok') continue;
    const base = baseline.figures;
    const f = leg.figures;
    if ('apiChanges' in leg && leg.apiChanges.followed < leg.apiChanges.total) {
      lines.push(`${leg.name}: traffic followed ${leg.apiChanges.followed} of ${leg.apiChanges.total} endpoint removals within ${leg.apiChanges.waitMs / 1000} s`);
    }
    const percent = (value: number, reference: number): number => ((value - reference) / reference) * 100;
    lines.push(
      `${leg.name} vs ${baselineName}: TCP 1 stream ${signed(percent(f.tcpGbit1, base.tcpGbit1), 1, '%')}, ` +
        `TCP N streams ${signed(percent(f.tcpGbitN, base.tcpGbitN), 1, '%')}, RR p50 ${signed(f.rrP50Us - base.rrP50Us, 0, ' µs')}, ` +
        `conn/s ${signed(percent(f.connPerSecond, base.connPerSecond), 1, '%')}, UDP p50 ${signed(f.udpP50Us - base.udpP50Us, 0, ' µs')}`,
    );
  }
  return lines;
}

export function formatReportTable(report: LabReport): string {
  const rows = report.legs.map(row);
  const widths = COLUMNS.map((column, index) => Math.max(column.length, ...rows.filter((r) => r.length > 2).map((r) => (r[index] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.length === 2 && cells !== COLUMNS ? `${(cells[0] ?? '').padEnd(widths[0] ?? 0)}  ${cells[1] ?? ''}` : cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
  const header = line(COLUMNS);
  const settings = `${report.settings.measureSeconds}s per figure, ${report.settings.streams} streams for N, ${report.settings.syntheticServices} synthetic services, ${report.host.cpus} CPUs, kernel ${report.host.kernel}`;
  const vmRun = report.legs.find((leg) => leg.status === 'ok' && leg.kernelVm !== undefined);
  const vmNote =
    vmRun?.status === 'ok' && vmRun.kernelVm !== undefined
      ? [`rows marked (kernel VM) ran inside Debian's kernel ${vmRun.kernelVm.kernel} under qemu on an emulated CPU (${vmRun.kernelVm.vmSeconds.toFixed(0)} s): compare them with direct (kernel VM) only`]
      : [];
  return [header, '-'.repeat(header.length), ...rows.map(line), '', ...formatVersusDirect(report), ...vmNote, settings, ''].join('\n');
}
