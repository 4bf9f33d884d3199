// report.html: one self-contained page (inline SVG charts rendered server-side by echarts'
// SSR renderer, no script, no external resource) plus the table and the raw JSON.
import * as echarts from 'echarts';
import { DIRECT_LEG, type LabReport, type LegFigures, type LegReport, type ModeFigures } from './report-types.ts';

interface ChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly { readonly name: string; readonly pick: (figures: LegFigures) => number }[];
}

const CHARTS: readonly ChartSpec[] = [
  { title: 'TCP throughput', unit: 'Gbit/s', series: [{ name: '1 stream', pick: (f) => f.tcpGbit1 }, { name: 'N streams', pick: (f) => f.tcpGbitN }] },
  { title: 'TCP request/response latency', unit: 'µs', series: [{ name: 'p50', pick: (f) => f.rrP50Us }, { name: 'p99', pick: (f) => f.rrP99Us }] },
  { title: 'New TCP connections', unit: 'per second', series: [{ name: 'conn/s', pick: (f) => f.connPerSecond }] },
  { title: 'UDP round trip', unit: 'µs', series: [{ name: 'p50', pick: (f) => f.udpP50Us }, { name: 'p99', pick: (f) => f.udpP99Us }] },
];

type OkLeg = Extract<LegReport, { status: 'ok' }>;

function renderBarChart(title: string, unit: string, categories: readonly string[], series: readonly { name: string; data: number[] }[]): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 560, height: 320 });
  chart.setOption({
    animation: false,
    title: { text: title, subtext: unit, left: 'center' },
    legend: { bottom: 0 },
    grid: { top: 70, bottom: 50, left: 70, right: 20 },
    // Every leg named under its bars (echarts would drop labels that collide), wrapped when long.
    xAxis: { type: 'category', data: [...categories], axisLabel: { interval: 0, fontSize: 10, width: 90, overflow: 'break' } },
    yAxis: { type: 'value' },
    series: series.map((s) => ({ name: s.name, type: 'bar', data: s.data.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(4)) : 0)), label: { show: true, position: 'top', fontSize: 10 } })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderCharts(report: LabReport): string[] {
  const legs = report.legs.filter((leg): leg is OkLeg => leg.status === 'ok');
  const names = legs.map((leg) => leg.name);
  const charts = CHARTS.map((spec) => renderBarChart(spec.title, spec.unit, names, spec.series.map((s) => ({ name: s.name, data: legs.map((leg) => s.pick(leg.figures)) }))));
  const modes = legs.filter((leg) => 'apiChangeP50Ms' in leg.figures);
  const modeFigures = modes.map((leg) => leg.figures as ModeFigures);
  charts.push(
    renderBarChart('API change to traffic, and sync time', 'ms', modes.map((leg) => leg.name), [
      { name: 'API→traffic p50', data: modeFigures.map((f) => f.apiChangeP50Ms) },
      { name: 'first full sync', data: modeFigures.map((f) => f.firstSyncMs) },
      { name: 'sync p50 (after changes)', data: modeFigures.map((f) => f.syncP50Ms) },
    ]),
  );
  charts.push(...renderVersusBaselineCharts(report));
  return charts;
}

/**
 * Each mode against its own baseline (`direct`, or `direct (kernel VM)` for legs run in the VM):
 * the one view where host and emulated-CPU legs can stand side by side.
 */
function renderVersusBaselineCharts(report: LabReport): string[] {
  const compared = report.legs.flatMap((leg) => {
    if (leg.status !== 'ok' || !('checks' in leg)) return [];
    const baseline = report.legs.find((other) => other.name === (leg.baseline ?? DIRECT_LEG));
    return baseline?.status === 'ok' ? [{ name: leg.name, figures: leg.figures, base: baseline.figures }] : [];
  });
  const names = compared.map((leg) => leg.name);
  const percentOf = (pick: (f: LegFigures) => number) => compared.map(({ figures, base }) => (100 * pick(figures)) / pick(base));
  const addedTo = (pick: (f: LegFigures) => number) => compared.map(({ figures, base }) => pick(figures) - pick(base));
  return [
    renderBarChart('Versus its own direct baseline', '% of the baseline (100 = as fast as direct)', names, [
      { name: 'TCP 1 stream', data: percentOf((f) => f.tcpGbit1) },
      { name: 'TCP N streams', data: percentOf((f) => f.tcpGbitN) },
      { name: 'conn/s', data: percentOf((f) => f.connPerSecond) },
    ]),
    renderBarChart('Latency added to its own direct baseline', 'µs', names, [
      { name: 'RR p50', data: addedTo((f) => f.rrP50Us) },
      { name: 'UDP p50', data: addedTo((f) => f.udpP50Us) },
    ]),
  ];
}

export function renderReportHtml(report: LabReport, table: string): string {
  const charts = renderCharts(report)
    .map((svg) => `<figure class="chart">${svg}</figure>`)
    .join('\n');
  const skipped = report.legs
    .filter((leg) => leg.status !== 'ok')
    .map((leg) => `<li><b>${escapeHtml(leg.name)}</b> ${escapeHtml(leg.status)}: ${escapeHtml('reason' in leg ? leg.reason : '')}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kpx lab report</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}figure.chart{display:inline-block;margin:0.5em;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
</head><body>
<h1>kpx lab</h1>
<p>Started ${escapeHtml(report.startedAt)}, took ${report.durationS.toFixed(1)} s. The same traffic through a direct pod-to-pod path (baseline) and through each kpx mode.</p>
${skipped === '' ? '' : `<ul>${skipped}</ul>`}
<section id="charts">${charts}</section>
<h2>Table</h2><pre>${escapeHtml(table)}</pre>
<h2>report.json</h2><pre>${escapeHtml(JSON.stringify(report, null, 2))}</pre>
</body></html>
`;
}
