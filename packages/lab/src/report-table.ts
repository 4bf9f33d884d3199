// The comparison table `kpx lab` prints: one row per network × leg (the direct baseline first in
// each network), then each mode against its baseline and each overlay against routed. Pure.
import { DIRECT_LEG, type Figure, type FigureName, type LabReport, type LegFigures, type LegReport } from './report-types.ts';

type OkLeg = Extract<LegReport, { status: 'ok' }>;
type Column = readonly [header: string, figure: FigureName, digits: number];

const COLUMNS: readonly Column[] = [
  ['TCP1 Gb/s', 'tcpGbit1', 2],
  ['retr', 'tcpRetrans1', 0],
  ['TCPN Gb/s', 'tcpGbitN', 2],
  ['UDP Gb/s', 'udpGbit', 2],
  ['loss %', 'udpLossPct', 1],
  ['jit ms', 'udpJitterMs', 3],
  ['HTTP r/s', 'httpRps', 0],
  ['p50 µs', 'httpP50Us', 0],
  ['p99 µs', 'httpP99Us', 0],
  ['close r/s', 'httpCloseRps', 0],
  ['p99 µs', 'httpCloseP99Us', 0],
  ['sys %', 'nodeSystemPct', 0],
  ['sirq %', 'nodeSoftirqPct', 0],
  ['kpx CPU %', 'kpxCpuPct', 0],
  ['kpx MB', 'kpxRssLoadMb', 0],
  ['API→traffic ms', 'apiChangeP50Ms', 0],
  ['sync1 ms', 'firstSyncMs', 0],
];

export function formatFigure(value: Figure | undefined, digits: number): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** The mean, and with --repeat its spread (± one standard deviation). */
function cell(leg: OkLeg, figure: FigureName, digits: number): string {
  const value = (leg.figures as Partial<Record<FigureName, Figure>>)[figure];
  const spread = leg.spread[figure];
  const mean = formatFigure(value, digits);
  return spread === undefined || spread === null || mean === '—' ? mean : `${mean}±${formatFigure(spread, digits)}`;
}

function row(leg: LegReport): string[] {
  if (leg.status !== 'ok') return [leg.network, leg.name, `${leg.status}: ${leg.reason}`];
  return [leg.network, leg.name, ...COLUMNS.map(([, figure, digits]) => cell(leg, figure, digits))];
}

const percent = (value: Figure, reference: Figure): Figure =>
  value === null || reference === null || reference === 0 ? null : ((value - reference) / reference) * 100;
const difference = (value: Figure, reference: Figure): Figure => (value === null || reference === null ? null : value - reference);

function signed(value: Figure, digits: number, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}${unit}`;
}

function compare(name: string, f: LegFigures, base: LegFigures): string {
  return (
    `${name}: TCP 1 stream ${signed(percent(f.tcpGbit1, base.tcpGbit1), 1, '%')}, TCP N streams ${signed(percent(f.tcpGbitN, base.tcpGbitN), 1, '%')}, ` +
    `UDP ${signed(percent(f.udpGbit, base.udpGbit), 1, '%')}, HTTP r/s ${signed(percent(f.httpRps, base.httpRps), 1, '%')}, ` +
    `HTTP p50 ${signed(difference(f.httpP50Us, base.httpP50Us), 0, ' µs')}, new conn r/s ${signed(percent(f.httpCloseRps, base.httpCloseRps), 1, '%')}`
  );
}

/** Each measured mode against its network's direct baseline; each overlay's legs against routed's. */
function formatComparisons(report: LabReport): string[] {
  const lines: string[] = [];
  const find = (network: string, name: string): OkLeg | undefined =>
    report.legs.find((leg): leg is OkLeg => leg.status === 'ok' && leg.network === network && leg.name === name);
  for (const leg of report.legs) {
    if (leg.status !== 'ok' || !('checks' in leg)) continue;
    const baselineName = leg.baseline ?? DIRECT_LEG;
    const baseline = find(leg.network, baselineName);
    if (leg.apiChanges.followed < leg.apiChanges.total)
      lines.push(
        `${leg.network} ${leg.name}: traffic followed ${leg.apiChanges.followed} of ${leg.apiChanges.total} endpoint removals within ${leg.apiChanges.waitMs / 1000} s`,
      );
    if (baseline !== undefined) lines.push(compare(`${leg.network} ${leg.name} vs ${baselineName}`, leg.figures, baseline.figures));
  }
  for (const leg of report.legs) {
    if (leg.status !== 'ok' || leg.network === 'routed') continue;
    const routed = find('routed', leg.name);
    if (routed !== undefined) lines.push(compare(`${leg.network} vs routed, ${leg.name}`, leg.figures, routed.figures));
  }
  for (const leg of report.legs)
    for (const gap of leg.status === 'ok' ? leg.gaps : []) lines.push(`${leg.network} ${leg.name}: ${gap.figure} not measured: ${gap.reason}`);
  return lines;
}

export function formatReportTable(report: LabReport): string {
  const headers = ['network', 'leg', ...COLUMNS.map(([header]) => header)];
  const rows = report.legs.map(row);
  const full = rows.filter((r) => r.length === headers.length);
  const widths = headers.map((header, index) => Math.max(header.length, ...full.map((r) => (r[index] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.length === 3
      ? `${(cells[0] ?? '').padEnd(widths[0] ?? 0)}  ${(cells[1] ?? '').padEnd(widths[1] ?? 0)}  ${cells[2] ?? ''}`
      : cells.map((cell, index) => (index < 2 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
  const header = line(headers);
  const { settings, host } = report;
  const about = `${settings.measureSeconds} s per figure × ${settings.repeat}${settings.repeat > 1 ? ' (mean±standard deviation)' : ''}, ${settings.streams} streams for N, ${settings.syntheticServices} synthetic services; ${host.cpus} CPUs (${host.cpuModel}), kernel ${host.kernel}; sys/sirq % of all CPUs, kpx CPU % of one (both daemons)`;
  const mtus = report.networks.map((n) =>
    n.status === 'ok'
      ? `${n.name}: pod MTU ${n.podMtu ?? '?'}${n.tunnel === undefined ? '' : ` (${n.tunnel.device}, ${n.tunnel.overheadBytes} bytes of encapsulation; node1 encapsulated ${n.tunnel.node1?.txPackets ?? '?'} packets)`}`
      : `${n.name}: skipped: ${n.reason ?? ''}`,
  );
  const vmRun = report.legs.find((leg) => leg.status === 'ok' && leg.kernelVm !== undefined);
  const vmNote =
    vmRun?.status === 'ok' && vmRun.kernelVm !== undefined
      ? [
          `rows marked (kernel VM) ran inside Debian's kernel ${vmRun.kernelVm.kernel} under qemu on an emulated CPU (${vmRun.kernelVm.vmSeconds.toFixed(0)} s): compare them with direct (kernel VM) only`,
        ]
      : [];
  return [header, '-'.repeat(header.length), ...rows.map(line), '', ...formatComparisons(report), ...mtus, ...vmNote, about, ''].join('\n');
}
