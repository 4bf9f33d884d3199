// report.html: one self-contained page (inline SVG charts rendered server-side by echarts'
// SSR renderer, no script, no external resource) plus the table and the raw JSON.
import * as echarts from 'echarts';
import { formatFigure } from './report-table.ts';
import { renderTopologySvg } from './report-topology.ts';
import { DIRECT_LEG, type Figure, type LabReport, type LegFigures, type LegReport, type ModeFigures } from './report-types.ts';

interface ChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly { readonly name: string; readonly pick: (figures: LegFigures) => Figure }[];
}

const CHARTS: readonly ChartSpec[] = [
  {
    title: 'TCP throughput (iperf3)',
    unit: 'Gbit/s',
    series: [
      { name: '1 stream', pick: (f) => f.tcpGbit1 },
      { name: 'N streams', pick: (f) => f.tcpGbitN },
    ],
  },
  { title: 'UDP at -b 0 (iperf3)', unit: 'Gbit/s received', series: [{ name: 'UDP', pick: (f) => f.udpGbit }] },
  {
    title: 'HTTP requests (wrk → nginx)',
    unit: 'per second',
    series: [
      { name: 'keep-alive', pick: (f) => f.httpRps },
      { name: 'Connection: close', pick: (f) => f.httpCloseRps },
    ],
  },
  {
    title: 'HTTP latency, keep-alive (wrk)',
    unit: 'µs',
    series: [
      { name: 'p50', pick: (f) => f.httpP50Us },
      { name: 'p99', pick: (f) => f.httpP99Us },
    ],
  },
  {
    title: 'CPU while measuring',
    unit: '% (machine: of all CPUs; kpx: of one)',
    series: [
      { name: 'system', pick: (f) => f.nodeSystemPct },
      { name: 'softirq', pick: (f) => f.nodeSoftirqPct },
      { name: 'kpx daemons', pick: (f) => f.kpxCpuPct },
    ],
  },
];

type OkLeg = Extract<LegReport, { status: 'ok' }>;

const legLabel = (leg: LegReport): string => `${leg.network} ${leg.name}`;

function renderBarChart(title: string, unit: string, categories: readonly string[], series: readonly { name: string; data: readonly Figure[] }[]): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 560, height: 320 });
  chart.setOption({
    animation: false,
    title: { text: title, subtext: unit, left: 'center' },
    legend: { bottom: 0 },
    grid: { top: 70, bottom: 50, left: 70, right: 20 },
    // Every leg named under its bars (echarts would drop labels that collide), wrapped when long.
    xAxis: { type: 'category', data: [...categories], axisLabel: { interval: 0, fontSize: 10, width: 90, overflow: 'break' } },
    yAxis: { type: 'value' },
    // A gap (not measured) is no bar at all, never a bar of 0.
    series: series.map((s) => ({
      name: s.name,
      type: 'bar',
      data: s.data.map((v) => (v !== null && Number.isFinite(v) ? Number(v.toPrecision(4)) : null)),
      label: { show: true, position: 'top', fontSize: 10 },
    })),
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
  const names = legs.map(legLabel);
  const charts = CHARTS.map((spec) =>
    renderBarChart(
      spec.title,
      spec.unit,
      names,
      spec.series.map((s) => ({ name: s.name, data: legs.map((leg) => s.pick(leg.figures)) })),
    ),
  );
  const modes = legs.filter((leg) => 'apiChangeP50Ms' in leg.figures);
  const modeFigures = modes.map((leg) => leg.figures as ModeFigures);
  charts.push(
    renderBarChart('API change to traffic, and sync time', 'ms', modes.map(legLabel), [
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
    const baseline = report.legs.find((other) => other.network === leg.network && other.name === (leg.baseline ?? DIRECT_LEG));
    return baseline?.status === 'ok' ? [{ leg, figures: leg.figures, base: baseline.figures }] : [];
  });
  const names = compared.map(({ leg }) => legLabel(leg));
  const ratio = (value: Figure, reference: Figure): Figure => (value === null || reference === null || reference === 0 ? null : (100 * value) / reference);
  const percentOf = (pick: (f: LegFigures) => Figure) => compared.map(({ figures, base }) => ratio(pick(figures), pick(base)));
  return [
    renderBarChart('Versus its own direct baseline', '% of the baseline (100 = as fast as direct)', names, [
      { name: 'TCP 1 stream', data: percentOf((f) => f.tcpGbit1) },
      { name: 'TCP N streams', data: percentOf((f) => f.tcpGbitN) },
      { name: 'HTTP r/s', data: percentOf((f) => f.httpRps) },
      { name: 'new conn r/s', data: percentOf((f) => f.httpCloseRps) },
    ]),
  ];
}

/** Modes down, networks across: TCP 1 stream and HTTP requests/s in each cell. */
function renderMatrix(report: LabReport): string {
  const networks = [...new Set(report.legs.map((leg) => leg.network))];
  const names = [...new Set(report.legs.map((leg) => leg.name))];
  const cell = (network: string, name: string): string => {
    const leg = report.legs.find((other) => other.network === network && other.name === name);
    if (leg === undefined) return '<td></td>';
    if (leg.status !== 'ok') return `<td class="gap" title="${escapeHtml(leg.reason)}">${escapeHtml(leg.status)}</td>`;
    return `<td>${formatFigure(leg.figures.tcpGbit1, 2)} Gbit/s<br>${formatFigure(leg.figures.httpRps, 0)} req/s</td>`;
  };
  const header = `<tr><th>mode / network</th>${networks.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>`;
  const rows = names.map((name) => `<tr><th>${escapeHtml(name)}</th>${networks.map((network) => cell(network, name)).join('')}</tr>`);
  return `<table id="matrix">${header}${rows.join('')}</table>`;
}

export function renderReportHtml(report: LabReport, table: string): string {
  const charts = renderCharts(report)
    .map((svg) => `<figure class="chart">${svg}</figure>`)
    .join('\n');
  const skipped = report.legs
    .filter((leg) => leg.status !== 'ok')
    .map((leg) => `<li><b>${escapeHtml(legLabel(leg))}</b> ${escapeHtml(leg.status)}: ${escapeHtml('reason' in leg ? leg.reason : '')}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kpx lab report</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}figure.chart{display:inline-block;margin:0.5em;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em;overflow:auto}#matrix{border-collapse:collapse}figure.topology{display:inline-block;margin:0.5em}#matrix td,#matrix th{border:1px solid #ccc;padding:0.3em 0.8em;text-align:right}.gap{color:#999}</style>
</head><body>
<h1>kpx lab</h1>
<p>Started ${escapeHtml(report.startedAt)}, took ${report.durationS.toFixed(1)} s. The same traffic (iperf3, wrk against nginx) through a direct pod-to-pod path (baseline) and through each kpx mode, over each pod network. A figure not measured is "—" and no bar.</p>
<h2>Network × mode</h2>${renderMatrix(report)}
<h2>Topology</h2><section id="topology">${report.networks
    .filter((network) => network.status === 'ok')
    .map((network) => `<figure class="topology">${renderTopologySvg(network)}</figure>`)
    .join('\n')}</section>
${skipped === '' ? '' : `<ul>${skipped}</ul>`}
<section id="charts">${charts}</section>
<h2>Table</h2><pre>${escapeHtml(table)}</pre>
<h2>report.json</h2><pre>${escapeHtml(JSON.stringify(report, null, 2))}</pre>
</body></html>
`;
}
